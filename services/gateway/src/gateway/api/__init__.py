"""JSON API routes of the gateway."""
