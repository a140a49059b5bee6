"""Adapters: Postgres tables and queries, Redis signals."""
