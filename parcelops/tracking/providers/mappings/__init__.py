"""Built-in column mappings of the file importer, one JSON file per preset."""
