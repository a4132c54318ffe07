"""Form definitions."""
