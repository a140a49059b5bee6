# ruff: noqa: RUF001 - sample comments are Chinese text with full-width punctuation
"""Matching a 10,000-entry word list against comments: Aho-Corasick vs a per-word ``in`` scan.

Builds 10,000 banned/suspect entries (CJK and Latin), 2,000 comments of typical length
(some carrying listed words, spelled with the usual evasions), normalises each comment
once, then times the service's matcher (one automaton pass plus the boundary rules)
against the naive baseline of testing every word with ``word in text``. Also times
normalisation itself and the matcher rebuild that a word-list edit triggers.

    uv run python bench/comments_wordlist.py [--words 10000] [--comments 2000]

Writes bench/results/comments_wordlist.json. Takes a few seconds; no services needed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from comments.domain.normalise import MatchView, match_view, normalise_word
from comments.domain.wordlist import WordListName, WordMatcher

RESULTS = Path(__file__).resolve().parent / "results" / "comments_wordlist.json"
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"
    "种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业"
    "本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利"
)
SENTENCES = [
    "这篇报道写得很好，支持一下！",
    "希望有关部门尽快解决这个问题。",
    "作为本地居民，我觉得交通确实需要改善。",
    "楼上说得对，但也要看到另一面。",
    "數據來源是哪裡？能否公開？",
    "great article, thanks for the update",
    "期待后续跟踪报道 👍",
    "这个政策对小企业影响很大，希望细则早日出台。",
    "排队围观，顺便说一句：图片很漂亮。",
]
EVASIONS: list[Callable[[str], str]] = [
    lambda w: w,
    lambda w: " ".join(w),
    lambda w: "*".join(w),
    lambda w: w.upper(),
    lambda w: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w),  # full width
]


def make_words(count: int, rng: random.Random) -> list[tuple[WordListName, str]]:
    """Distinct entries: mostly 2-4 CJK characters, some Latin words."""
    used = set("".join(SENTENCES))
    pool = [c for c in CHARS if c not in used]  # listed words are not everyday phrases
    words: set[str] = set()
    while len(words) < count:
        if rng.random() < 0.85:
            words.add("".join(rng.choice(pool) for _ in range(rng.randint(2, 4))))
        else:
            words.add(
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8)))
            )
    return [("banned" if i % 3 else "suspect", w) for i, w in enumerate(sorted(words))]


def make_comments(count: int, words: list[str], rng: random.Random) -> list[str]:
    """Comments of 20-200 characters; one in ten carries a listed word, maybe disguised."""
    comments = []
    for i in range(count):
        parts = [rng.choice(SENTENCES) for _ in range(rng.randint(1, 6))]
        if i % 10 == 0:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(EVASIONS)(rng.choice(words)))
        comments.append(" ".join(parts)[:250])
    return comments


def timed(fn: Callable[[], Any], rounds: int = 3) -> float:
    """Best of ``rounds`` wall times of ``fn()`` in seconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run(word_count: int, comment_count: int) -> dict[str, Any]:
    rng = random.Random(42)
    entries = make_words(word_count, rng)
    normalised = [(kind, normalise_word(word)) for kind, word in entries]
    build_seconds = timed(lambda: WordMatcher.build(normalised, version=1))
    matcher = WordMatcher.build(normalised, version=1)
    comments = make_comments(comment_count, [w for _, w in entries], rng)
    normalise_seconds = timed(lambda: [match_view(c) for c in comments])
    views: list[MatchView] = [match_view(c) for c in comments]
    plain = [w for _, w in normalised]

    def automaton() -> list[bool]:
        hits = [matcher.find(v) for v in views]
        return [bool(h.banned or h.suspect) for h in hits]

    def naive() -> list[bool]:
        return [any(w in v.text for w in plain) for v in views]

    automaton_seconds = timed(automaton)
    naive_seconds = timed(naive, rounds=1)
    flagged_automaton, flagged_naive = sum(automaton()), sum(naive())
    per = 1e6 / comment_count
    return {
        "words": word_count,
        "comments": comment_count,
        "mean_comment_chars": round(statistics.mean(len(c) for c in comments), 1),
        "automaton_us_per_comment": round(automaton_seconds * per, 2),
        "naive_in_scan_us_per_comment": round(naive_seconds * per, 2),
        "speedup_vs_naive": round(naive_seconds / automaton_seconds, 1),
        "normalise_us_per_comment": round(normalise_seconds * per, 2),
        "matcher_build_ms": round(build_seconds * 1000, 1),
        "flagged_automaton": flagged_automaton,
        "flagged_naive": flagged_naive,
        "planted": comment_count // 10,
        "note": "naive may flag more: raw substrings, no word-boundary or sentence rules",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=2_000)
    args = parser.parse_args()
    result = run(min(args.words, 200_000), min(args.comments, 20_000))
    print(
        f"{result['words']} words, {result['comments']} comments "
        f"(mean {result['mean_comment_chars']} chars)"
    )
    print(f"automaton:      {result['automaton_us_per_comment']:10.2f} us/comment")
    print(f"naive in-scan:  {result['naive_in_scan_us_per_comment']:10.2f} us/comment")
    print(
        f"speedup: {result['speedup_vs_naive']}x; normalising costs "
        f"{result['normalise_us_per_comment']} us/comment; rebuild after an edit "
        f"{result['matcher_build_ms']} ms"
    )
    print(
        f"flagged: automaton {result['flagged_automaton']}, naive {result['flagged_naive']} "
        f"({result['planted']} comments carry a listed word)"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
