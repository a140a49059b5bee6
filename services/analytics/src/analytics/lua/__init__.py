"""Lua scripts run inside Redis: each applies one Kafka message atomically."""
