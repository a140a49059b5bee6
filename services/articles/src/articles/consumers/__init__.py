"""Long-running workers of the articles service."""
