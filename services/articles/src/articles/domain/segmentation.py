"""Chinese/English word segmentation with jieba: one dictionary per process, domain words added."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

with warnings.catch_warnings():
    # jieba 0.42 has invalid escape sequences; compiling it warns (an error under pytest)
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import jieba

_lock = threading.Lock()
_ready = False
_idf: dict[str, float] = {}
_median_idf = 0.0
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_WORD = re.compile(r"^[0-9a-z][0-9a-z._+-]*$")
MAX_TERM_CHARS = 40

STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 而 对 把 被 从 将 以 于 为 之 其 这 那 并 又 很 有 着 等 "
    "个 中 上 下 我 你 他 她 它 我们 他们 一个 没有 以及 通过 进行 "
    "a an and or of to in on for is are was were be by with as at it its this that from".split()
)


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the precise segmentation and the dictionary words inside it."""

    text: str
    parts: tuple[str, ...] = ()


def ensure_ready() -> None:
    """Load jieba's dictionary and the bundled domain words once per process."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _load_idf()
        words = resources.files("articles.domain").joinpath("dictionary.txt").read_text("utf-8")
        for line in words.splitlines():
            word = line.split("#", 1)[0].strip()
            if word:
                jieba.add_word(word, freq=20000)
        _ready = True


def add_domain_words(words: Iterable[str]) -> None:
    """Teach the segmenter words the editors use (tags), so they are kept whole."""
    ensure_ready()
    for word in words:
        normal = normalise(word).strip()
        if 1 < len(normal) <= MAX_TERM_CHARS and not jieba.dt.FREQ.get(normal):
            jieba.add_word(normal, freq=20000)


def normalise(text: str) -> str:
    """Full-width forms folded to ASCII, letters lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def is_cjk(char: str) -> bool:
    """Whether a character is a CJK ideograph."""
    return _CJK.fullmatch(char) is not None


def is_searchable(term: str) -> bool:
    """Whether a segment is a real word (not punctuation, space or a stop word)."""
    return (
        0 < len(term) <= MAX_TERM_CHARS
        and term not in STOPWORDS
        and _WORDLIKE.search(term) is not None
    )


def _parts(word: str) -> tuple[str, ...]:
    """Dictionary 2- and 3-character words inside a longer word (as jieba's search mode finds)."""
    freq = jieba.dt.FREQ
    found: list[str] = []
    for size in (2, 3):
        if len(word) > size:
            found += [
                word[i : i + size]
                for i in range(len(word) - size + 1)
                if freq.get(word[i : i + size])
            ]
    return tuple(dict.fromkeys(p for p in found if is_searchable(p)))


def segment(text: str) -> list[Word]:
    """The searchable words of ``text`` in order, each with the shorter words inside it."""
    ensure_ready()
    return [
        Word(word, _parts(word))
        for raw in jieba.cut(normalise(text))
        if is_searchable(word := raw.strip())
    ]


def is_ascii_word(term: str) -> bool:
    """Whether a term is a Latin word or number (matched by prefix at query time)."""
    return _ASCII_WORD.match(term) is not None


def _load_idf() -> None:
    """jieba's IDF table (read directly: importing jieba.analyse leaks an open file)."""
    global _median_idf
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    for line in path.read_text("utf-8").splitlines():
        word, _, value = line.strip().partition(" ")
        if value:
            _idf[word] = float(value)
    values = sorted(_idf.values())
    _median_idf = values[len(values) // 2] if values else 1.0


def keywords(text: str, *, limit: int = 20) -> list[str]:
    """The most characteristic words of a text by TF-IDF (deterministic: ties by word)."""
    ensure_ready()
    counts = Counter(
        w
        for raw in jieba.cut(normalise(text))
        if len(w := raw.strip()) > 1 and is_searchable(w) and not w.isdigit()
    )
    ranked = sorted(counts, key=lambda w: (-counts[w] * _idf.get(w, _median_idf), w))
    return ranked[:limit]
