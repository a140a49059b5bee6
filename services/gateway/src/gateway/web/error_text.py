# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""What an error page says, in Chinese, for a status and the JSON error the app produced."""

from __future__ import annotations

from typing import Any

TITLES = {
    400: ("请求有误", "提交的内容无法识别，请检查后重试。"),
    401: ("需要登录", "请先登录后再访问此页面。"),
    403: ("无权访问", "您没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面不存在，可能已被删除或地址有误。"),
    405: ("不支持的操作", "此页面不支持这种访问方式。"),
    409: ("操作冲突", "内容已被他人修改，请刷新后重试。"),
    413: ("提交的内容过大", "提交的内容超过了大小限制，请删减后再试。"),
    415: ("请求有误", "不支持这种提交格式。"),
    422: ("地址有误", "地址中的参数不正确，请检查后重试。"),
    429: ("访问过于频繁", "请稍候片刻再试。"),
    503: ("服务暂时不可用", "请稍后再试。"),
}
CODES = {
    "csrf_failed": "页面已过期，请返回上一页刷新后再提交。",
    "invalid_encoding": "提交的内容不是有效的文字编码。",
}
FIELDS = {
    "article_id": "文章编号",
    "section_id": "栏目编号",
    "comment_id": "评论编号",
    "user_id": "用户编号",
    "page": "页码",
    "q": "搜索词",
    "cursor": "翻页位置",
    "comment": "提示参数",
    "next": "跳转地址",
}


def _fields(answer: dict[str, Any]) -> list[str]:
    problems = answer.get("problems")
    if not isinstance(problems, list):
        return []
    names = []
    for problem in problems:
        field = str(problem.get("field", "")) if isinstance(problem, dict) else ""
        name = FIELDS.get(field.rsplit(".", 1)[-1])
        if name and name not in names:
            names.append(name)
    return names


def describe(
    status: int, answer: dict[str, Any] | None = None, retry_after: str = ""
) -> tuple[str, str]:
    """The title and explanation of an error page."""
    answer = answer or {}
    fallback = TITLES[503] if status >= 500 else ("请求有误", "请检查地址后重试。")
    title, detail = TITLES.get(status, fallback)
    detail = CODES.get(str(answer.get("error", "")), detail)
    if status == 422 and (names := _fields(answer)):
        detail = f"地址中的{'、'.join(names)}不正确，请检查后重试。"
        if "页码" in names:
            detail += "页码应为 1 到 1000 之间的整数。"
    if status == 429 and retry_after.isdigit():
        detail = f"请 {retry_after} 秒后再试。"
    return title, detail
