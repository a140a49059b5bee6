"""Dead letters on the ops page: the backlog read from Kafka, replayed once from a button."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import unquote

from aiokafka import AIOKafkaProducer

from common.events import COMMENTS_TOPIC
from common.kafka import DeadLetterBacklog, dead_letter_backlog
from common.settings import ServiceSettings
from tests.e2e.helpers import browser_login, client, csrf_of, poll
from tests.stack import Platform


def _settings(platform: Platform) -> ServiceSettings:
    env = platform.base_env
    return ServiceSettings(
        service_name="ops-test",
        kafka_bootstrap=env["NEWSROOM_KAFKA_BOOTSTRAP"],
        topic_suffix=env["NEWSROOM_TOPIC_SUFFIX"],
    )


def _backlog(settings: ServiceSettings) -> DeadLetterBacklog:
    return asyncio.run(dead_letter_backlog(settings=settings, topic=COMMENTS_TOPIC))


async def _send_poison(settings: ServiceSettings) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic(COMMENTS_TOPIC), b"not an event envelope")
    finally:
        await producer.stop()


def test_dead_letters_are_shown_and_replayed_once(platform: Platform) -> None:
    settings = _settings(platform)
    before = _backlog(settings)
    asyncio.run(_send_poison(settings))
    # every consumer group of the topic parks it (analytics, the gateway's invalidation, ...)
    parked = poll(lambda: b if (b := _backlog(settings)).waiting > before.waiting else None)
    with browser_login(platform.gateway, "admin") as admin:
        page = admin.get("/ops")
        assert page.status_code == 200
        assert "死信队列" in page.text
        assert f"重放 {parked.waiting} 条" in page.text
        replayed = admin.post(
            "/ops/dead-letters/replay",
            data={"csrf_token": csrf_of(page.text), "topic": COMMENTS_TOPIC},
        )
        assert replayed.status_code == 303
        flash = unquote(replayed.headers["location"])
        count = int(re.search(r"已重放 (\d+) 条", flash).group(1))  # type: ignore[union-attr]
        assert count == parked.waiting, "what was waiting goes back, each once"
        shown = admin.get(replayed.headers["location"])
        assert f"已重放 {count} 条死信" in shown.text
        again = admin.post(
            "/ops/dead-letters/replay",
            data={"csrf_token": csrf_of(shown.text), "topic": "no.such.topic"},
        )
        assert again.status_code == 422
    # the poison went back through the consumers and failed again: parked anew, not lost
    poll(lambda: _backlog(settings).parked >= parked.parked + count, timeout=30)


def test_replaying_needs_an_admin(platform: Platform) -> None:
    with client(platform.gateway) as anonymous:
        answer = anonymous.post("/ops/dead-letters/replay", data={"topic": COMMENTS_TOPIC})
    assert answer.status_code in {303, 401, 403}
    with browser_login(platform.gateway, "moderator") as moderator:
        page = moderator.get("/moderation")
        answer = moderator.post(
            "/ops/dead-letters/replay",
            data={"csrf_token": csrf_of(page.text), "topic": COMMENTS_TOPIC},
        )
    assert answer.status_code == 403
