"""Domain errors, and the one handler that turns them (and bad input) into clear 4xx answers."""

from __future__ import annotations

import logging
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request; carries a stable code and a reason."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(DomainError):
    """The thing asked for does not exist (or the caller may not know it does)."""

    status_code = 404
    code = "not_found"


class ConflictError(DomainError):
    """The request clashes with the current state (e.g. an invalid workflow transition)."""

    status_code = 409
    code = "conflict"


class InvalidInputError(DomainError):
    """The input is well-formed but breaks a rule."""

    status_code = 422
    code = "invalid_input"


class ForbiddenError(DomainError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "forbidden"


class TooManyRequestsError(DomainError):
    """The caller is over a rate limit."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
    headers = (
        {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequestsError) else None
    )
    return JSONResponse(
        {"error": exc.code, "detail": exc.detail}, status_code=exc.status_code, headers=headers
    )


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "reason": e.get("msg", "")}
        for e in exc.errors()
    ]
    reason = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
    return JSONResponse(
        {"error": "invalid_input", "detail": reason, "problems": problems}, status_code=422
    )


def _unicode_error(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_encoding", "detail": f"request is not valid UTF-8: {exc}"},
        status_code=400,
    )


DEPENDENCY_DOWN: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    PoolTimeoutError,  # every pooled database connection busy for the pool's timeout
    OSError,  # e.g. a refused connection to the database
)


def _dependency_down(_: Request, exc: Exception) -> JSONResponse:
    what = "redis" if isinstance(exc, RedisError) else "a backing service"
    if isinstance(exc, DBAPIError | PoolTimeoutError):
        what = "the database"  # down, or every pooled connection busy past the pool timeout
    log.warning("%s unavailable: %r", what, exc)
    return JSONResponse(
        {"error": "unavailable", "detail": f"{what} is unavailable; retry shortly"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A statement whose connection the server cut (a restart, a kill) is a 503 as well;
    any other database error stays a bug (500)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return _dependency_down(request, exc)
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors and bad input to JSON 4xx answers with a reason.

    A dependency that is down (Redis, the database) is a 503 with ``Retry-After``, not a 500.
    """
    app.add_exception_handler(DomainError, _domain_error)
    for error in DEPENDENCY_DOWN:
        app.add_exception_handler(error, _dependency_down)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UnicodeDecodeError, _unicode_error)
