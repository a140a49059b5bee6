"""Development-only signing keys; production refuses them (see settings)."""
