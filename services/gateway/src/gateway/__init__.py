"""Newsroom gateway service."""
