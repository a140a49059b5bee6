"""A cached response and how it travels to and from Redis."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A public response body with what is needed to serve, revalidate and invalidate it."""

    body: bytes
    content_type: str
    status: int = 200
    fresh_for: float = 30.0
    stale_for: float = 300.0
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    stored_at: float = field(default_factory=time.time)
    etag: str = ""

    @classmethod
    def build(cls, body: bytes, content_type: str, **kwargs: Any) -> CachedResponse:
        """An entry with its strong ETag computed from the body."""
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        return cls(body=body, content_type=content_type, etag=etag, **kwargs)

    def age(self, now: float) -> float:
        """Seconds since it was fetched."""
        return max(0.0, now - self.stored_at)

    def is_fresh(self, now: float) -> bool:
        """Still within its fresh lifetime."""
        return self.age(now) < self.fresh_for

    def is_usable(self, now: float) -> bool:
        """Fresh, or stale but still allowed while a refresh runs."""
        return self.age(now) < self.fresh_for + self.stale_for

    def cache_control(self) -> str:
        """The Cache-Control header for shared caches and browsers."""
        return (
            f"public, max-age={int(self.fresh_for)}, stale-while-revalidate={int(self.stale_for)}"
        )

    def to_redis(self) -> dict[str, bytes]:
        """Hash fields for Redis."""
        head = {
            "content_type": self.content_type,
            "status": self.status,
            "fresh_for": self.fresh_for,
            "stale_for": self.stale_for,
            "tags": self.tags,
            "meta": self.meta,
            "stored_at": self.stored_at,
            "etag": self.etag,
        }
        return {"head": orjson.dumps(head), "body": self.body}

    @classmethod
    def from_redis(cls, fields: dict[bytes, bytes]) -> CachedResponse | None:
        """Back from Redis; None when the stored form is unreadable."""
        try:
            head = orjson.loads(fields[b"head"])
            return cls(body=fields[b"body"], **{**head, "tags": tuple(head["tags"])})
        except (KeyError, TypeError, orjson.JSONDecodeError):
            return None
