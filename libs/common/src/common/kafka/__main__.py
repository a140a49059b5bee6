"""``python -m common.kafka dlq list|replay <topic>``: operate dead-letter topics."""

from __future__ import annotations

import argparse
import asyncio

from common.kafka.dlq import list_dead_letters, replay
from common.settings import ServiceSettings


async def _main(args: argparse.Namespace) -> None:
    settings = ServiceSettings(service_name="dlq-tool")
    if args.action == "list":
        for letter in await list_dead_letters(
            settings=settings, topic=args.topic, limit=args.limit
        ):
            print(
                f"{letter.offset}\t{letter.original_topic}[{letter.original_partition}]"
                f"@{letter.original_offset}\t{letter.failed_at}\t{letter.error}"
            )
        return
    count = await replay(settings=settings, topic=args.topic, limit=args.limit)
    print(f"replayed {count} message(s) to {args.topic}")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(prog="python -m common.kafka")
    parser.add_argument("what", choices=["dlq"])
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("topic", help="logical topic, e.g. comments.events")
    parser.add_argument("--limit", type=int, default=100)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
