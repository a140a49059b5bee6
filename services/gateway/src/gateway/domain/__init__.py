"""Gateway domain: accounts, sessions, tokens, login protection."""
