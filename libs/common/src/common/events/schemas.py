"""JSON Schemas of every event: exported to a checked-in folder and checked for breaking changes.

Run ``python -m common.events.schemas`` after adding an event or an optional field.
A breaking change (removing or retyping a field, adding a required one) must instead
become a new ``event_version`` published side by side with the old one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common.events.envelope import EventData, registered_events

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "event-schemas"


def schema_file(event_type: str, version: int) -> str:
    """File name of one event version's schema."""
    return f"{event_type}.v{version}.json"


def event_schema(model: type[EventData]) -> dict[str, Any]:
    """The JSON Schema of one event payload."""
    schema = model.model_json_schema(mode="serialization")
    schema["x-event-type"] = model.event_type
    schema["x-event-version"] = model.event_version
    schema["x-topic"] = model.topic
    return schema


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every registered event's schema; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for (event_type, version), model in sorted(registered_events().items()):
        path = directory / schema_file(event_type, version)
        path.write_text(json.dumps(event_schema(model), indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return schema


def _type_of(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return sorted(json.dumps(_type_of(s, root), sort_keys=True) for s in schema["anyOf"])
    if schema.get("type") == "object" and "properties" in schema:
        return {k: _type_of(v, root) for k, v in schema["properties"].items()}
    if schema.get("type") == "array":
        return ["array", _type_of(schema.get("items", {}), root)]
    return schema.get("type") or schema.get("enum") or schema.get("const")


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Why ``new`` cannot read what producers of ``old`` wrote (empty when compatible)."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}{name}: removed")
        elif _type_of(old_props[name], old) != _type_of(new_props[name], new):
            problems.append(f"{path}{name}: type changed")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"{path}{name}: new required field")
    return problems


if __name__ == "__main__":
    for written in export():
        print(written)
