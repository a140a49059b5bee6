"""Counting rules, hot-ranking formula and statistics, independent of Redis and Kafka."""
