"""``python -m analytics.restore``: after a Redis loss, restore the live state.

Stop the consumers first. Loads the last rollup from Postgres, re-creates the dedup
windows from the Kafka messages just before it, and points the consumer groups at the
rollup's offsets; the consumers then replay the rest. (The consumers do the same by
themselves when they start and find the state missing.)
"""

from __future__ import annotations

import asyncio

from analytics.adapters.recovery import restore_state
from analytics.runtime import runtime
from analytics.settings import Settings, get_settings
from common.service import configure_logging


async def restore(settings: Settings) -> None:
    """Restore the configured prefix."""
    async with runtime(settings) as rt:
        snap = await restore_state(settings=settings, state=rt.state, engine=rt.engine)
        print(f"restored {snap.articles} article(s) from the rollup of {snap.taken_at}")


def main() -> None:
    """Entry point."""
    configure_logging()
    asyncio.run(restore(get_settings()))


if __name__ == "__main__":
    main()
