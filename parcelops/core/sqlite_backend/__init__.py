"""Django's SQLite backend with writers queued on a kernel lock (decision 0012)."""
