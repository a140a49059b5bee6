"""Newsroom comments service."""
