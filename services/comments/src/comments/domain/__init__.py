"""Domain logic: text rules, the moderation pipeline, the desk and reading rules."""
