"""`parcelops bench`: the benchmark command (top floor; the suite itself lives in bench/)."""
