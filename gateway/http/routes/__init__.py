"""HTTP routes, one module per concern: messages (admit and history), admin, operations."""
