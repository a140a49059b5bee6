"""Kafka consumers of the analytics service."""
