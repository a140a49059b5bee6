# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""What the editor's pages say: statuses, comment policies, messages, and upstream refusals."""

from __future__ import annotations

import re
from typing import Any

STATUSES = {
    "draft": "草稿",
    "scheduled": "定时发布",
    "published": "已发布",
    "archived": "已归档",
}
ACTIONS = {
    "publish": "发布",
    "schedule": "定时发布",
    "unpublish": "撤回为草稿",
    "archive": "归档",
    "delete": "删除",
}
POLICIES = {
    "pre": "先审后发（需审核后才会公布）",
    "first": "首次评论需审核",
    "post": "先发后审（评论即时发表）",
}
POLICY_SHORT = {"pre": "先审后发", "first": "首评先审", "post": "先发后审"}
FLASHES = {
    "saved": "已保存。",
    "created": "草稿已创建。",
    "publish": "已发布，读者现在可以看到这篇文章。",
    "schedule": "已设为定时发布。",
    "unpublish": "已撤回为草稿，读者不再能看到。",
    "archive": "已归档：不再出现在列表中，仍可通过链接阅读。",
    "restored": "已恢复所选版本（保存为一个新版本）。",
    "section_created": "栏目已创建。",
    "section_saved": "栏目已保存。",
}
FIELDS = {
    "section_id": "栏目",
    "title": "标题",
    "subtitle": "副标题",
    "summary": "摘要",
    "body_html": "正文",
    "source": "来源",
    "author": "作者",
    "tags": "标签",
    "cover_image_url": "封面图片 URL",
    "publish_at": "定时发布时间",
    "name": "栏目名称",
    "slug": "栏目别名",
    "parent_id": "上级栏目",
    "position": "排序",
    "description": "栏目简介",
    "comment_policy": "评论审核方式",
    "comments_open": "评论开关",
    "comment_max_length": "评论字数上限",
    "article_id": "文章编号",
    "revision": "版本号",
    "csrf_token": "表单令牌",
    "action": "操作",
}
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"longer than (\d+) characters"), "超过了 {0} 个字的上限"),
    (re.compile(r"must not be empty|must be 1 to \d+ characters|at least 1 character"), "不能为空"),
    (
        re.compile(r"script content is not allowed|not allowed|refused"),
        "含有不允许的内容（脚本、表单、事件属性等）",
    ),
    (
        re.compile(r"never closed|stray end tag|unterminated|malformed"),
        "HTML 标签不完整，请检查是否有未闭合的标签",
    ),
    (re.compile(r"control characters|unpaired surrogate|NUL character"), "含有无法识别的字符"),
    (re.compile(r"at most (\d+) tags"), "最多 {0} 个"),
    (re.compile(r"is longer than (\d+) characters"), "每个不超过 {0} 个字"),
    (re.compile(r"must be an http\(s\) URL"), "必须是 http:// 或 https:// 开头的地址"),
    (re.compile(r"section \d+ does not exist"), "不存在，请刷新后重新选择"),
    (re.compile(r"cannot move below itself"), "不能移到它自己或它的下级栏目之下"),
    (
        re.compile(r"must include a timezone|not a valid|Input should be a valid datetime"),
        "格式不正确，请选择日期和时间",
    ),
    (re.compile(r"must be in the future"), "必须晚于现在"),
    (re.compile(r"at most a year ahead"), "最多只能安排在一年以内"),
    (re.compile(r"lower-case letters, digits"), "只能用小写字母、数字和“-”，最多 80 个字符"),
    (re.compile(r"already used"), "已被其他栏目使用，请换一个"),
    (re.compile(r"must be 1 to (\d+)|less than or equal to (\d+)"), "超出了允许的范围"),
)
TRANSITION = re.compile(r"cannot (\w+) an article that is (\w+)")


def flash_text(code: str) -> str:
    """The message of a flash code; unknown codes say nothing (never echo the address)."""
    kind, _, number = code.partition("-")
    if number.isascii() and number.isdigit() and len(number) <= 10:
        if kind == "restored":
            return f"已恢复版本 {number}，并保存为新的版本。"
        if kind == "same":
            return f"版本 {number} 与当前内容相同，无需恢复。"
    return FLASHES.get(code, "")


def _reason(text: str) -> str:
    for pattern, chinese in REASONS:
        if (match := pattern.search(text)) is not None:
            return chinese.format(*[g for g in match.groups() if g])
    return "不符合要求"


def _field_problem(field: str, reason: str) -> str:
    name = FIELDS.get(field.rsplit(".", 1)[-1], "")
    return f"{name}{_reason(reason)}" if name else f"提交的内容{_reason(reason)}"


def _known(status: int, detail: str) -> str:
    """The message of the refusals that do not name a field ('' for the others)."""
    if status >= 500:
        return "文章服务暂时不可用，请稍后再试；填写的内容已保留。"
    if status == 404:
        if "revision" in detail:
            return "这个版本不存在，可能地址有误。"
        if "section" in detail:
            return "栏目不存在，可能已被删除或地址有误。"
        return "文章不存在或已被删除。"
    if "cannot move below itself" in detail:
        return "不能把栏目移到它自己或它的下级栏目之下。"
    if status in (401, 403):
        return "您的账户无权进行这项操作，请重新登录后再试。"
    if status == 409 and (match := TRANSITION.search(detail)) is not None:
        action = ACTIONS.get(match.group(1), match.group(1))
        current = STATUSES.get(match.group(2), match.group(2))
        return f"文章当前为「{current}」，不能{action}。"
    return ""


def explain(status: int, answer: Any) -> str:
    """A refusal of the articles service, told in Chinese."""
    answer = answer if isinstance(answer, dict) else {}
    detail = str(answer.get("detail") or "")
    if known := _known(status, detail):
        return known
    problems = answer.get("problems")
    if isinstance(problems, list) and problems:
        found = [
            _field_problem(str(p.get("field", "")), str(p.get("reason", "")))
            for p in problems
            if isinstance(p, dict)
        ]
        return "；".join(dict.fromkeys(found)) + "。"
    if ":" in detail:
        field, reason = detail.split(":", 1)
        if field.strip() in FIELDS:
            return _field_problem(field.strip(), reason) + "。"
    if status == 409:
        return "内容已被他人修改或与现有内容冲突，请刷新后重试。"
    return "提交的内容不符合要求，请检查后重试。"
