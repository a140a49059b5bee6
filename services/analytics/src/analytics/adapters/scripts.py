"""The Lua scripts, registered once per Redis client."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


def _source(name: str) -> str:
    return resources.files("analytics.lua").joinpath(f"{name}.lua").read_text()


@dataclass(frozen=True, slots=True)
class Scripts:
    """Script handles: called with EVALSHA, loaded again if Redis forgot them."""

    apply_views: AsyncScript
    apply_ops: AsyncScript
    take_dirty: AsyncScript
    release: AsyncScript
    store_scores: AsyncScript
    hot_top: AsyncScript

    @classmethod
    def register(cls, redis: Redis) -> Scripts:
        """Register every script with a client."""
        return cls(
            apply_views=redis.register_script(_source("apply_views")),
            apply_ops=redis.register_script(_source("apply_ops")),
            take_dirty=redis.register_script(_source("take_dirty")),
            release=redis.register_script(_source("release")),
            store_scores=redis.register_script(_source("store_scores")),
            hot_top=redis.register_script(_source("hot_top")),
        )
