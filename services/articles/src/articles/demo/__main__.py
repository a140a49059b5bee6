"""``python -m articles.demo``: fill a fresh install with demo sections and articles."""

from __future__ import annotations

import asyncio

from articles.demo.loader import load_demo
from articles.settings import get_settings
from common.db import create_engine, session_factory


async def main() -> None:
    """Load once; a second run finds the content and leaves it alone."""
    settings = get_settings()
    engine = create_engine(settings)
    try:
        report = await load_demo(session_factory(engine))
    finally:
        await engine.dispose()
    if report is None:
        print("articles demo: content already present, nothing to do")
    else:
        print(
            f"articles demo: {report.sections} sections, {report.published} published articles, "
            f"{report.scheduled} scheduled, {report.drafts} draft"
        )


if __name__ == "__main__":
    asyncio.run(main())
