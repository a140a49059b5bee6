"""Names of the Redis keys of the live state (the counting script is given them).

Every key of one prefix is in one hash slot: the prefix is a hash tag (``{analytics:}``).
One counting call couples many articles (a visitor's reads per minute and an address's
new visitors span articles; the site, bucket and dedup keys are shared by all of them),
and it must stay one atomic call for a batch to count once; on a Redis Cluster a call
reaches one slot, so the whole live state of a prefix lives on one primary.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.domain.buckets import Granularity

ARTICLE_COUNTERS = ("reads", "bots", "dups", "comments", "favourites", "recommends")
UNRANKED = "unranked"  # the bucket signal of counted reads the hot ranking leaves out
META_READY = "ready"


@dataclass(frozen=True, slots=True)
class Keys:
    """Every key under one prefix, so tests, rebuilds and live state never collide.

    A prefix without a hash tag is made one (``analytics:`` -> ``{analytics:}``), so every
    script call, transaction and multi-key command here stays in one slot of a cluster.
    """

    prefix: str

    def __post_init__(self) -> None:
        if not self.prefix:
            raise ValueError("the live state needs a key prefix")
        if "{" not in self.prefix:
            object.__setattr__(self, "prefix", f"{{{self.prefix}}}")

    @property
    def slot_key(self) -> str:
        """The key a script call names so a cluster client sends it to the state's slot."""
        return self.meta

    @property
    def meta(self) -> str:
        """State marker: ``ready`` when consumers may count (absent after a Redis loss)."""
        return f"{self.prefix}meta"

    @property
    def freeze(self) -> str:
        """While present, counting scripts refuse work (a rollup is reading)."""
        return f"{self.prefix}freeze"

    @property
    def offsets(self) -> str:
        """Hash ``topic:partition`` -> next offset whose message is not applied yet."""
        return f"{self.prefix}off"

    def counter(self, name: str) -> str:
        """Hash article id -> count, for one of :data:`ARTICLE_COUNTERS`."""
        return f"{self.prefix}a:{name}"

    @property
    def article_meta(self) -> str:
        """Hash article id -> JSON (title, section path...) from article events."""
        return f"{self.prefix}a:meta"

    @property
    def article_section(self) -> str:
        """Hash article id -> section id, for views that do not carry one."""
        return f"{self.prefix}a:sec"

    @property
    def hidden(self) -> str:
        """Set of unpublished, archived or deleted article ids (out of hot lists)."""
        return f"{self.prefix}hidden"

    def uniques(self, article_id: int | str) -> str:
        """HyperLogLog of an article's visitors."""
        return f"{self.prefix}uv:{article_id}"

    def day_uniques(self, day: int | str) -> str:
        """HyperLogLog of the day's visitors."""
        return f"{self.prefix}uvd:{day}"

    @property
    def sections(self) -> str:
        """Hash section id -> JSON path (root first), learnt from article events."""
        return f"{self.prefix}sections"

    def section_articles(self, section_id: int) -> str:
        """Set of article ids in a section or its subsections."""
        return f"{self.prefix}secart:{section_id}"

    def buckets(self, signal: str) -> str:
        """What every time-bucket key of one signal starts with."""
        return f"{self.prefix}z:{signal}:"

    def bucket(self, signal: str, granularity: Granularity, index: int) -> str:
        """Sorted set article id -> count of one signal in one time bucket."""
        return f"{self.buckets(signal)}{granularity}:{index}"

    @property
    def sites(self) -> str:
        """What every site-wide time-bucket key starts with."""
        return f"{self.prefix}site:"

    def site(self, granularity: Granularity, index: int) -> str:
        """Hash reads/bots/dups of the whole site in one time bucket."""
        return f"{self.sites}{granularity}:{index}"

    def applied(self, event_id: str) -> str:
        """Marker of a views batch already counted (its event id)."""
        return f"{self.prefix}ap:{event_id}"

    def dedup(self, bucket: int | str) -> str:
        """Set of ``article:visitor`` read in one dedup window bucket, and of
        ``article@address`` whose ranked read the bucket has had."""
        return f"{self.prefix}dd:{bucket}"

    def rate(self, minute: int | str) -> str:
        """Hash visitor -> distinct reads in one minute (the behaviour rule)."""
        return f"{self.prefix}rt:{minute}"

    def admission(self, window: int | str) -> str:
        """Hash of one address window: ``#address`` / ``+address`` -> anonymous visitors /
        accounts admitted, and ``visitor`` (an anonymous visitor id hashes its address) or
        ``u<id>@address`` -> 1 for each (the new-visitors-per-address rule)."""
        return f"{self.prefix}adm:{window}"

    def counting_script_names(self) -> dict[str, object]:
        """The names ``apply_views.lua`` writes to: whole keys, or the stem an id completes."""
        return {
            "prefix": self.prefix,
            "meta": self.meta,
            "freeze": self.freeze,
            "offsets": self.offsets,
            "applied": self.applied(""),
            "dedup": self.dedup(""),
            "rate": self.rate(""),
            "admission": self.admission(""),
            "counters": [self.counter(name) for name in ("reads", "bots", "dups")],
            "dirty_articles": self.dirty("a"),
            "dirty_keys": self.dirty("k"),
            "uniques": self.uniques(""),
            "day_uniques": self.day_uniques(""),
            "reads_buckets": self.buckets("reads"),
            "unranked_buckets": self.buckets(UNRANKED),
            "sites": self.sites,
        }

    def hot_cache(self, window: str, section: int | None) -> str:
        """A computed hot list, kept for a few seconds."""
        return f"{self.prefix}hotc:{window}:{section or 0}"

    def dirty(self, kind: str) -> str:
        """Set of article ids (``a``) or keys (``k``) changed since the last rollup."""
        return f"{self.prefix}dirty:{kind}"

    def lock(self, name: str) -> str:
        """A short-lived lock."""
        return f"{self.prefix}lock:{name}"


def text(value: bytes | str) -> str:
    """A Redis reply as text (the clients here return bytes)."""
    return value.decode() if isinstance(value, bytes) else value
