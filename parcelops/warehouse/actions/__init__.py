"""Every state change of the warehouse, one module per part of the floor."""
