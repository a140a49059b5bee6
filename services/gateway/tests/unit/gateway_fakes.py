"""In-memory stand-ins for the gateway's stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gateway.domain.accounts import User
from gateway.domain.sessions import StoredRefresh


class FakeUsers:
    """Users in a dict."""

    def __init__(self) -> None:
        self.rows: dict[int, User] = {}

    async def add(self, *, username: str, username_key: str, password_hash: str) -> User | None:
        if any(u.username.casefold() == username_key for u in self.rows.values()):
            return None
        user = User(
            id=len(self.rows) + 1, username=username, roles=("reader",), password_hash=password_hash
        )
        self.rows[user.id] = user
        return user

    async def by_username_key(self, username_key: str) -> User | None:
        return next((u for u in self.rows.values() if u.username.casefold() == username_key), None)

    async def by_id(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    async def set_roles(self, user_id: int, roles: list[str]) -> User | None:
        if user_id not in self.rows:
            return None
        self.rows[user_id] = replace(self.rows[user_id], roles=tuple(roles))
        return self.rows[user_id]

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.rows[user_id] = replace(self.rows[user_id], password_hash=password_hash)


class FakeRefreshes:
    """Refresh-token hashes in a dict."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredRefresh] = {}

    async def add(
        self, *, token_hash: str, family: str, user_id: int, expires_at: datetime
    ) -> None:
        self.rows[token_hash] = StoredRefresh(family, user_id, expires_at, False, False)

    async def claim(self, token_hash: str) -> StoredRefresh | None:
        found = self.rows.get(token_hash)
        if found is not None:
            self.rows[token_hash] = replace(found, rotated=True)
        return found

    async def revoke_family(self, family: str) -> None:
        for key, row in self.rows.items():
            if row.family == family:
                self.rows[key] = replace(row, revoked=True)


class FakeRedis:
    """The few Redis commands the cache and limits use."""

    def __init__(self) -> None:
        self.data: dict[str, object] = {}

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        value = self.data.get(key)
        return dict(value) if isinstance(value, dict) else {}

    async def set(self, key: str, value: bytes, *, nx: bool = False, px: int = 0) -> bool:
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    async def delete(self, *keys: str) -> int:
        return sum(self.data.pop(k, None) is not None for k in keys)

    async def exists(self, *keys: str) -> int:
        return sum(k in self.data for k in keys)

    async def smembers(self, key: str) -> set[bytes]:
        value = self.data.get(key)
        return {k.encode() for k in value} if isinstance(value, set) else set()

    def pipeline(self, transaction: bool = False) -> FakePipeline:
        return FakePipeline(self)


class FakePipeline:
    """Records commands, applies them on execute."""

    def __init__(self, redis: FakeRedis) -> None:
        self._redis = redis
        self._ops: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    async def __aenter__(self) -> FakePipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def hset(self, key: str, mapping: dict[str, bytes]) -> None:
        self._ops.append(("hset", (key, mapping), {}))

    def sadd(self, key: str, member: str) -> None:
        self._ops.append(("sadd", (key, member), {}))

    def expire(self, *args: object, **kwargs: object) -> None:
        return None

    async def execute(self) -> None:
        for op, args, _ in self._ops:
            if op == "hset":
                key, mapping = args
                self._redis.data[str(key)] = {k.encode(): v for k, v in dict(mapping).items()}  # type: ignore[call-overload]
            elif op == "sadd":
                key, member = args
                members = self._redis.data.setdefault(str(key), set())
                assert isinstance(members, set)
                members.add(member)
