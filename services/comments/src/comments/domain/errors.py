"""Errors of the comments domain; each carries the reason code the API answers with."""

from __future__ import annotations

from common.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
)


class EmptyCommentError(InvalidInputError):
    """The comment has no text."""

    code = "empty"


class CommentTooLongError(InvalidInputError):
    """The comment is longer than its section allows (the pipeline's length phase)."""

    code = "too_long"


class InvalidTextError(InvalidInputError):
    """The text holds characters that are not allowed (controls, bidi overrides, surrogates)."""

    code = "invalid_characters"


class InvalidNicknameError(InvalidInputError):
    """An anonymous nickname is missing, too long or holds markup or symbols."""

    code = "invalid_nickname"


class InvalidParentError(InvalidInputError):
    """A reply names a parent that is not a visible comment of the same article."""

    code = "invalid_parent"


class RateLimitedError(TooManyRequestsError):
    """The pipeline's rate-limit phase refused the submission."""

    code = "rate_limited"


class CommentNotFoundError(NotFoundError):
    """No comment the caller may see has this id."""

    code = "comment_not_found"


class NotAuthorError(ForbiddenError):
    """Only the author or a moderator may do this."""

    code = "not_author"


class ClaimConflictError(ConflictError):
    """Another moderator holds the claim."""

    code = "claimed_by_other"


class NoIdentityError(ForbiddenError):
    """The caller is neither logged in nor identified by a client id."""

    code = "no_identity"


class InvalidCursorError(InvalidInputError):
    """A page cursor this API did not hand out."""

    code = "invalid_cursor"
