"""Patient details."""
