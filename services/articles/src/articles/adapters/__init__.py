"""Persistence of the articles service: tables and queries."""
