import json
import uuid

import pytest

from common.events import Envelope, UnknownEventError, registered_events
from common.events.articles import ArticleDeleted
from common.events.schemas import SCHEMA_DIR, breaking_changes, event_schema, schema_file


def test_envelope_round_trips_through_bytes() -> None:
    envelope = Envelope.wrap(
        ArticleDeleted(article_id=7, section_id=2), key="7", producer="articles"
    )
    again = Envelope.from_bytes(envelope.to_bytes())
    assert again == envelope
    assert again.payload() == ArticleDeleted(article_id=7, section_id=2)
    assert again.occurred_at.tzinfo is not None


def test_unknown_event_type_is_refused() -> None:
    envelope = Envelope(
        event_type="article.exploded", event_version=1, producer="x", key="1", data={}
    )
    with pytest.raises(UnknownEventError):
        envelope.payload()


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Envelope(
            event_id=uuid.uuid4(),
            event_type="article.deleted",
            event_version=1,
            occurred_at="2026-01-01T00:00:00",  # type: ignore[arg-type]
            producer="x",
            key="1",
            data={},
        )


@pytest.mark.parametrize(("event_type", "version"), sorted(registered_events()))
def test_every_event_schema_is_checked_in_and_compatible(event_type: str, version: int) -> None:
    path = SCHEMA_DIR / schema_file(event_type, version)
    assert path.exists(), f"run `python -m common.events.schemas` to export {path.name}"
    checked_in = json.loads(path.read_text())
    current = event_schema(registered_events()[(event_type, version)])
    assert breaking_changes(checked_in, current) == []


def test_every_checked_in_schema_is_still_produced() -> None:
    known = {schema_file(t, v) for t, v in registered_events()}
    orphans = {p.name for p in SCHEMA_DIR.glob("*.json")} - known
    assert not orphans, f"events dropped without a new version: {orphans}"


def _schema(props: dict[str, object], required: list[str]) -> dict[str, object]:
    return {"type": "object", "properties": props, "required": required}


def test_breaking_changes_are_detected() -> None:
    old = _schema({"a": {"type": "integer"}, "b": {"type": "string"}}, ["a"])
    assert breaking_changes(old, _schema({"a": {"type": "integer"}}, ["a"])) == ["b: removed"]
    retyped = _schema({"a": {"type": "string"}, "b": {"type": "string"}}, ["a"])
    assert breaking_changes(old, retyped) == ["a: type changed"]
    required = _schema({"a": {"type": "integer"}, "b": {"type": "string"}}, ["a", "b"])
    assert breaking_changes(old, required) == ["b: new required field"]


def test_an_added_optional_field_is_compatible() -> None:
    old = _schema({"a": {"type": "integer"}}, ["a"])
    new = _schema({"a": {"type": "integer"}, "c": {"type": "string"}}, ["a"])
    assert breaking_changes(old, new) == []
