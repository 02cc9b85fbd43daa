"""Built-in column mappings of the freight-bill import, one JSON file per preset."""
