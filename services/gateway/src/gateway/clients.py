"""Who is calling: the client's address (never forwarded raw) and its salted hashes."""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from datetime import UTC, datetime

from common.visitor import VisitorHasher, hash_visitor


def client_ip(
    headers: dict[bytes, bytes], peer: tuple[str, int] | None, *, trust_forwarded: bool
) -> str:
    """The client's IP: the socket peer, or the first X-Forwarded-For hop behind a proxy."""
    if trust_forwarded:
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")[0].strip()
        if forwarded:
            return forwarded
    return peer[0] if peer else "unknown"


ADDRESS_HASH_CHARS = 16  # the view event's address hash: 64 bits, ample for one day's addresses


def network_of(ip: str) -> str:
    """The address a read is attributed to: the IP, or its /64 network for IPv6.

    An IPv6 host usually holds a whole /64 and can change addresses inside it at will, so
    counting rules that look at "one address" must look at the /64.
    """
    if ":" not in ip:
        return ip
    try:
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address) + "/64"
    except ValueError:
        return ip


class ClientIds:
    """Salted hashes of (IP, user agent), memoised for the day so hot paths stay cheap."""

    def __init__(self, hasher: VisitorHasher, *, max_entries: int = 50_000) -> None:
        self._hasher = hasher
        self._memo: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._day: object = None
        self._day_index = -1
        self._salt = b""
        self._max = max_entries
        self._pairs: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._addresses: dict[str, str] = {}

    async def prepare(self) -> None:
        """Load today's salt (from Redis, shared by every copy) if the day changed."""
        day = datetime.now(UTC).date()
        if day != self._day:
            self._salt = await self._hasher.salt_for(day)
            self._day = day
            self._day_index = int(time.time() // 86400)
            self._memo.clear()
            self._pairs.clear()
            self._addresses.clear()

    def peek(self, ip: str, user_agent: str, now: float | None = None) -> str | None:
        """The id if today's salt is loaded, without awaiting; None otherwise."""
        if int((now or time.time()) // 86400) != self._day_index:
            return None
        key = (ip, user_agent)
        found = self._memo.get(key)
        if found is None:
            found = hash_visitor(self._salt, ip, user_agent)
            self._memo[key] = found
            if len(self._memo) > self._max:
                self._memo.popitem(last=False)
        return found

    def address(self, ip: str, now: float | None = None) -> str | None:
        """The salted hash of the client's address (its /64 for IPv6), as views carry it.

        Shorter than a client id and never the raw address; None until today's salt is
        loaded (as :meth:`peek`).
        """
        found = self._addresses.get(ip)
        if found is not None and int((now or time.time()) // 86400) == self._day_index:
            return found
        network = network_of(ip)
        full = self.peek(network, "", now)
        if full is None:
            return None
        found = self._addresses[ip] = full[:ADDRESS_HASH_CHARS]
        if len(self._addresses) > self._max:
            self._addresses.pop(next(iter(self._addresses)))
        return found

    def pair(self, ip: str, user_agent: str, now: float) -> tuple[str, str, str] | None:
        """(client id, rate-limit key, address hash) from the memo alone; None when not
        memoised yet."""
        if int(now // 86400) != self._day_index:
            return None
        return self._pairs.get((ip, user_agent))

    def remember_pair(self, ip: str, user_agent: str, pair: tuple[str, str, str]) -> None:
        """Memoise a client's ids for the fast path."""
        self._pairs[(ip, user_agent)] = pair
        if len(self._pairs) > self._max:
            self._pairs.pop(next(iter(self._pairs)))

    async def visitor_address(self, ip: str) -> str:
        """The address hash once today's salt is loaded (as :meth:`visitor` for ids)."""
        await self.prepare()
        found = self.address(ip)
        assert found is not None  # noqa: S101 - prepare() loaded today's salt
        return found

    async def visitor(self, ip: str, user_agent: str) -> str:
        """The client id sent upstream as X-Client-Id and used as the view's visitor."""
        await self.prepare()
        found = self.peek(ip, user_agent)
        assert found is not None  # noqa: S101 - prepare() loaded today's salt
        return found
