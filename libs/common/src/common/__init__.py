"""Shared building blocks of every Newsroom service."""
