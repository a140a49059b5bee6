"""Response caching: in process and in Redis, single-flight, event invalidation."""
