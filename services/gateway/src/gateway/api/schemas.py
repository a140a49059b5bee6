"""Request and response models of the gateway's own API (accounts and tokens)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.domain.accounts import User
from gateway.domain.sessions import TokenPair


class Credentials(BaseModel):
    """Username and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    """A refresh token to trade or revoke."""

    refresh_token: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    """An account as the API shows it."""

    id: int
    username: str
    roles: list[str]

    @classmethod
    def of(cls, user: User) -> UserOut:
        """From the domain user."""
        return cls(id=user.id, username=user.username, roles=list(user.roles))


class TokenOut(BaseModel):
    """A login: bearer access token plus the refresh token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: UserOut

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        """From the domain token pair."""
        return cls(
            access_token=pair.access_token,
            expires_in=pair.expires_in,
            refresh_token=pair.refresh_token,
            refresh_expires_in=pair.refresh_expires_in,
            user=UserOut.of(pair.user),
        )


class RolesIn(BaseModel):
    """The complete set of roles a user should have (reader is always kept)."""

    roles: list[str] = Field(max_length=4)
