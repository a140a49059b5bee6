"""Newsroom analytics service."""
