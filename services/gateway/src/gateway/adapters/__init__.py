"""Adapters: database tables and repositories, upstream clients, Redis."""
