"""Postgres-backed user and refresh-token stores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from gateway.adapters.tables import refresh_tokens, users
from gateway.domain.accounts import User
from gateway.domain.sessions import StoredRefresh


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        roles=tuple(row["roles"]),
        password_hash=row["password_hash"],
    )


class SqlUserStore:
    """Users in the gateway schema."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, *, username: str, username_key: str, password_hash: str) -> User | None:
        """Insert; None when the username is taken."""
        stmt = (
            insert(users)
            .values(username=username, username_key=username_key, password_hash=password_hash)
            .on_conflict_do_nothing(index_elements=["username_key"])
            .returning(*users.c)
        )
        async with transaction(self._sessions) as session:
            row = (await session.execute(stmt)).mappings().first()
        return _user(row) if row else None

    async def by_username_key(self, username_key: str) -> User | None:
        """The user with this casefolded name."""
        return await self._one(select(users).where(users.c.username_key == username_key))

    async def by_id(self, user_id: int) -> User | None:
        """The user with this id."""
        return await self._one(select(users).where(users.c.id == user_id))

    async def set_roles(self, user_id: int, roles: list[str]) -> User | None:
        """Replace a user's roles."""
        stmt = update(users).where(users.c.id == user_id).values(roles=roles).returning(*users.c)
        async with transaction(self._sessions) as session:
            row = (await session.execute(stmt)).mappings().first()
        return _user(row) if row else None

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a rehashed password."""
        stmt = update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        async with transaction(self._sessions) as session:
            await session.execute(stmt)

    async def list_users(self, *, limit: int = 200) -> list[User]:
        """Accounts, oldest first (admin view)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(select(users).order_by(users.c.id).limit(limit))
            ).mappings()
            return [_user(r) for r in rows]

    async def _one(self, stmt: object) -> User | None:
        async with self._sessions() as session:
            row = (await session.execute(stmt)).mappings().first()  # type: ignore[call-overload] # a select
        return _user(row) if row else None


class SqlRefreshStore:
    """Refresh-token hashes in the gateway schema."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self, *, token_hash: str, family: str, user_id: int, expires_at: datetime
    ) -> None:
        """Store a new token hash."""
        async with transaction(self._sessions) as session:
            await session.execute(
                refresh_tokens.insert().values(
                    token_hash=token_hash, family=family, user_id=user_id, expires_at=expires_at
                )
            )

    async def claim(self, token_hash: str) -> StoredRefresh | None:
        """Mark a token rotated and return its state from before (row-locked, so once)."""
        query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        async with transaction(self._sessions) as session:
            row = (await session.execute(query.with_for_update())).mappings().first()
            if row is None:
                return None
            if row["rotated_at"] is None:
                await session.execute(
                    update(refresh_tokens)
                    .where(refresh_tokens.c.id == row["id"])
                    .values(rotated_at=func.now())
                )
        return StoredRefresh(
            family=row["family"],
            user_id=row["user_id"],
            expires_at=row["expires_at"],
            rotated=row["rotated_at"] is not None,
            revoked=row["revoked_at"] is not None,
        )

    async def revoke_family(self, family: str) -> None:
        """Revoke every token of a login."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(refresh_tokens)
                .where(refresh_tokens.c.family == family, refresh_tokens.c.revoked_at.is_(None))
                .values(revoked_at=func.now())
            )
