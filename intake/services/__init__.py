"""Plain service functions used by both the web views and the CLI."""
