"""Consumers: ``python -m comments.consumers`` keeps the article replica from articles events."""
