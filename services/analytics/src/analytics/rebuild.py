"""``python -m analytics.rebuild``: replay Kafka from the beginning into a fresh key prefix.

Prints how many messages were replayed and whether the rebuilt numbers equal the live
ones. To adopt a rebuilt state, stop the consumers and start them with
``ANALYTICS_REDIS_PREFIX`` set to the new prefix: they resume from its recorded offsets.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from analytics.adapters.compare import differences, state_digest
from analytics.adapters.keys import Keys
from analytics.adapters.recovery import rebuild_state
from analytics.runtime import runtime
from analytics.settings import Settings, get_settings
from common.service import configure_logging


async def rebuild(settings: Settings, *, prefix: str, compare: bool) -> int:
    """Rebuild into ``prefix``; returns 0, or 1 if compared and different."""
    async with runtime(settings, prefix=prefix) as rt:
        started = time.perf_counter()
        handled = await rebuild_state(settings=settings, state=rt.state)
        print(
            f"replayed {handled} message(s) into {prefix!r} in {time.perf_counter() - started:.1f}s"
        )
        if not compare:
            return 0
        live = await state_digest(rt.redis, Keys(settings.redis_prefix))
        rebuilt = await state_digest(rt.redis, rt.state.keys)
        diff = differences(live, rebuilt)
        print("identical to the live state" if not diff else "differs from the live state:")
        for line in diff:
            print("  " + line)
        return 1 if diff else 0


def main() -> None:
    """Parse the command line and run."""
    configure_logging()
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m analytics.rebuild")
    parser.add_argument(
        "--prefix", default=f"{settings.redis_prefix.rstrip(':')}-rebuild-{int(time.time())}:"
    )
    parser.add_argument(
        "--no-compare", action="store_true", help="skip comparing with the live state"
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(rebuild(settings, prefix=args.prefix, compare=not args.no_compare)))


if __name__ == "__main__":
    main()
