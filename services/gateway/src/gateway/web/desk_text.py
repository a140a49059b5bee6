# ruff: noqa: RUF001, RUF002 - Chinese UI text uses full-width punctuation on purpose
"""The desk's words: reason codes, mark kinds and decision outcomes in Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REASONS = {
    "too_long": "超过字数上限",
    "article_missing": "文章不存在",
    "article_unpublished": "文章已撤下",
    "article_archived": "文章已归档",
    "article_deleted": "文章已删除",
    "comments_closed": "评论已关闭",
    "user_banned": "用户已被封禁",
    "client_banned": "设备已被封禁",
    "user_suspended": "用户禁言中",
    "client_suspended": "设备禁言中",
    "duplicate": "重复发布",
    "flood": "多人发布相同内容",
    "banned_word": "含违禁词",
    "suspect_word": "含可疑词",
    "link": "含链接",
    "disguised_link": "含伪装链接",
    "markup": "疑似代码或脚本",
    "repeated_character": "单字重复刷屏",
    "low_content": "内容空洞（重复字符或符号）",
    "high_rejection_rate": "作者驳回率高",
    "policy_pre": "栏目先审后发",
    "first_comment": "作者首次评论",
}
MARKS = {
    "banned": "违禁词",
    "suspect": "可疑词",
    "link": "链接",
    "disguised_link": "伪装链接",
}
# preset rejection reasons, chosen by number from the keyboard (1-5)
REJECT_REASONS = ("垃圾广告", "人身攻击", "离题灌水", "违法违规", "其他")
BAN_CHOICES = (("1", 24, "禁言 1 天"), ("2", 24 * 7, "禁言 7 天"), ("3", 0, "永久封禁"))
OUTCOMES = {
    "claimed_by_other": "已被其他审核员认领",
    "not_found": "评论不存在或已删除",
    "unchanged": "状态未变",
}
VERBS = {"approve": "通过", "reject": "驳回"}


def reason_label(code: str) -> str:
    """A reason code in Chinese (unknown codes are shown as they are)."""
    return REASONS.get(code, code)


def decision_message(decision: str, results: Iterable[dict[str, Any]]) -> str:
    """What became of a batch of decisions, e.g. ``已通过 3 条；1 条已被其他审核员认领``."""
    applied = 0
    others: dict[str, int] = {}
    for result in results:
        outcome = str(result.get("outcome"))
        if outcome == "applied":
            applied += 1
        else:
            others[outcome] = others.get(outcome, 0) + 1
    parts = [f"已{VERBS.get(decision, decision)} {applied} 条"]
    parts += [f"{n} 条{OUTCOMES.get(o, o)}" for o, n in others.items()]
    return "；".join(parts)


def wait_text(seconds: float | None) -> str:
    """A waiting time in Chinese: ``3 分 20 秒``, ``2 小时 5 分``."""
    if seconds is None:
        return "无"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60} 秒"
    if s < 86400:
        return f"{s // 3600} 小时 {s % 3600 // 60} 分"
    return f"{s // 86400} 天 {s % 86400 // 3600} 小时"
