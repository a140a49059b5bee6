"""Local development tooling behind ``scripts/dev.py`` (standard library only)."""
