"""Redis live state, Postgres rollups, Kafka replay and lag."""
