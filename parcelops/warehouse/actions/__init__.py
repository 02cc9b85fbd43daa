"""Every change the warehouse makes, one module per part of the floor (import the module)."""
