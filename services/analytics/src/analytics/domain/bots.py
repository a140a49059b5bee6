"""Bot scoring by user agent; behaviour (reads per minute) is scored where the counts live."""

from __future__ import annotations

import re
from collections.abc import Sequence


class BotScorer:
    """Scores a user agent: 1.0 for a known crawler pattern, less for merely suspicious ones.

    The score is given x100 as an integer to the counting script, which adds 1.0 when the
    visitor reads more distinct articles per minute than a person would; a view whose total
    reaches the threshold is counted as a bot read instead of a read.
    """

    def __init__(
        self, patterns: Sequence[str], *, empty_ua_score: float, threshold: float = 1.0
    ) -> None:
        self._pattern = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        self._empty = round(empty_ua_score * 100)
        self._cache: dict[str, int] = {}
        self.crawler_score = round(threshold * 100)  # at or above: a bot by user agent alone

    def score(self, user_agent: str) -> int:
        """The user agent's bot score x100 (cached: a few agents make up most traffic)."""
        cached = self._cache.get(user_agent)
        if cached is not None:
            return cached
        if not user_agent.strip():
            value = self._empty
        elif self._pattern.search(user_agent):
            value = 100
        else:
            value = 0 if "mozilla/" in user_agent.lower() else self._empty // 2
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[user_agent] = value
        return value
