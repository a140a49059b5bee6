"""The Jinja2 environment: autoescaped templates, CJK-friendly date formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

PACKAGE = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE / "static"
TEMPLATE_DIR = PACKAGE / "templates"
BEIJING = timezone(timedelta(hours=8), "CST")


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO timestamp shown in Beijing time, as the portal's readers expect."""
    moment = _parse(value)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime(fmt)


def age(value: Any) -> str:
    """How long ago, in Chinese (for the moderation queue)."""
    moment = _parse(value)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 60:
        return f"{max(0, seconds)} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    if seconds < 86400:
        return f"{seconds // 3600} 小时"
    return f"{seconds // 86400} 天"


def create_templates() -> Jinja2Templates:
    """Templates with the portal's filters."""
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    templates.env.filters["local_time"] = local_time
    templates.env.filters["age"] = age
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


templates = create_templates()
