"""Newsroom articles service."""
