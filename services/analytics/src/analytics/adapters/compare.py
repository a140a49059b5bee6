"""A comparable digest of a live state, to check restores and rebuilds against it."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from analytics.adapters.keys import Keys, text

# dedup windows, markers, caches and locks are working state, not results
EPHEMERAL = ("ap:", "dd:", "rt:", "adm:", "hotc:", "lock:", "dirty:", "freeze", "off", "meta")


async def state_digest(redis: Redis, keys: Keys) -> dict[str, Any]:
    """Every counter, set, ranking bucket and unique-visitor count under a prefix."""
    names = sorted(
        [text(n)[len(keys.prefix) :] async for n in redis.scan_iter(match=f"{keys.prefix}*")]
    )
    digest: dict[str, Any] = {}
    for name in names:
        if name.startswith(EPHEMERAL):
            continue
        key = keys.prefix + name
        kind = text(await redis.type(key))
        if kind == "hash":
            digest[name] = {text(k): text(v) for k, v in (await redis.hgetall(key)).items()}
        elif kind == "set":
            digest[name] = sorted(text(m) for m in await redis.smembers(key))
        elif kind == "zset":
            rows: list[Any] = await redis.zrange(key, 0, -1, withscores=True)
            digest[name] = {text(m): s for m, s in rows}
        elif kind == "string":
            digest[name] = await redis.pfcount(key)
    return digest


def differences(left: dict[str, Any], right: dict[str, Any], *, limit: int = 20) -> list[str]:
    """Human-readable differences between two digests (empty when identical)."""
    found: list[str] = []
    for name in sorted(set(left) | set(right)):
        if left.get(name) != right.get(name):
            found.append(f"{name}: {str(left.get(name))[:200]} != {str(right.get(name))[:200]}")
            if len(found) >= limit:
                break
    return found
