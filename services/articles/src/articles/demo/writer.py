"""Composes demo articles from the templates (seeded: the same install gets the same text)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from articles.demo import phrases as p
from articles.demo.catalogue import DemoSection


@dataclass(frozen=True)
class DemoArticle:
    """One composed article."""

    title: str
    subtitle: str
    body_html: str
    source: str
    author: str
    tags: tuple[str, ...]


class ArticleWriter:
    """Fills templates with pooled words; ``random.Random`` is only for variety, never security."""

    def __init__(self, seed: int = 20240601) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - demo text variety, not security
        self._titles: set[str] = set()

    def _slots(self, topic: str, orgs: tuple[str, ...]) -> dict[str, object]:
        r = self._rng
        return {
            "topic": topic,
            "place": r.choice(p.PLACES),
            "org": r.choice(orgs or p.ORGS),
            "person": r.choice(p.PEOPLE),
            "role": r.choice(p.ROLES),
            "num": r.randint(2, 12),
            "num2": r.randint(12, 90),
            "num3": r.randint(300, 9000),
            "pct": round(r.uniform(3, 25), 1),
            "month": r.randint(1, 12),
        }

    def _paragraphs(self, slots: dict[str, object]) -> str:
        r = self._rng
        middle = r.sample(p.MIDDLES, k=r.randint(3, 5))
        parts = [r.choice(p.OPENINGS), *middle, r.choice(p.CLOSINGS)]
        sentences = [s.format(**slots) for s in parts]
        split = r.randint(2, len(sentences) - 1)
        blocks = [sentences[:1], sentences[1:split], sentences[split:]]
        return "".join(f"<p>{''.join(b)}</p>" for b in blocks if b)

    def write(self, section: DemoSection, topic: str) -> DemoArticle:
        """An article of ``section`` about ``topic``, titled unlike any written before."""
        for _ in range(20):
            article = self._compose(section, topic)
            if article.title not in self._titles:
                break
        self._titles.add(article.title)
        return article

    def _compose(self, section: DemoSection, topic: str) -> DemoArticle:
        slots = self._slots(topic, section.orgs)
        if section.slug == "notices":
            body = f"<p>{self._rng.choice(p.NOTICE_BODIES).format(**slots)}</p>"
            title = f"关于{topic}的公告"
        elif topic == "学习型组织":
            body = p.LEARNING_ORG.format(**slots)
            title = "{place}机关推进学习型组织建设见实效".format(**slots)
        else:
            body = self._paragraphs(slots)
            title = self._rng.choice(p.TITLES).format(**slots)
        return DemoArticle(
            title=title,
            subtitle=self._rng.choice(p.SUBTITLES),
            body_html=body,
            source=self._rng.choice(p.SOURCES).format(**slots),
            author=self._rng.choice(p.PEOPLE),
            tags=(topic, *section.tags),
        )
