"""The demo shop (`parcelops demo`): top floor, never imported by the domain apps."""
