"""Gateway-specific domain errors (the rest come from common.errors)."""

from __future__ import annotations

from common.errors import DomainError


class UnauthorizedError(DomainError):
    """Credentials or a token were missing, wrong or expired."""

    status_code = 401
    code = "unauthorized"


class UpstreamUnavailableError(DomainError):
    """A backing service is down, slow, or its circuit is open."""

    status_code = 503
    code = "upstream_unavailable"


class CsrfError(DomainError):
    """A state-changing form lacked a valid CSRF token or came from another origin."""

    status_code = 403
    code = "csrf_failed"
