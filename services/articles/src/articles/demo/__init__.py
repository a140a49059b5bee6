"""Demo content: a realistic Chinese section tree and articles composed from original templates."""
