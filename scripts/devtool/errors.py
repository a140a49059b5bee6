"""The one error type dev.py reports to the user: what went wrong and what to do."""


class DevError(Exception):
    """A failure with an actionable message; the CLI prints it and exits non-zero."""
