# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""Section management for editors: the tree, create, rename, move, comment settings.

Everything goes through the articles service's section API (``POST /api/v1/sections``,
``PATCH /api/v1/sections/{id}``); a refusal comes back as a Chinese message on the form,
with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from common.ranges import INT4_MAX, SectionId
from gateway.context import Gateway, GatewayDep
from gateway.web.editor_common import (
    SectionEntry,
    editor_page,
    flatten,
    load_sections,
    problem_page,
    refusal_status,
    upstream_problem,
)
from gateway.web.editor_text import POLICIES, POLICY_SHORT, explain, flash_text
from gateway.web.guard import refuse, staff_call
from gateway.web.session import SessionDep, WebSession, apply_session, check_form

router = APIRouter()
OPEN_CHOICES = {"": "继承上级", "true": "开放评论", "false": "关闭评论"}


class FormProblem(ValueError):
    """A form value the page itself refuses, with the reason in Chinese."""


def _whole(raw: str, label: str, *, low: int, high: int) -> int | None:
    text = raw.strip()
    if not text:
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        raise FormProblem(f"{label}应为整数。")
    value = sign * int(digits)
    if not low <= value <= high:
        raise FormProblem(f"{label}应在 {low} 到 {high} 之间。")
    return value


def _settings(form: dict[str, str]) -> dict[str, Any]:
    """The section's fields from the form; empty comment settings inherit (null)."""
    name = " ".join(form["name"].split())
    if not name:
        raise FormProblem("栏目名称不能为空。")
    if len(name) > 60:
        raise FormProblem("栏目名称最多 60 个字。")
    if form["comment_policy"] not in ("", *POLICIES):
        raise FormProblem("请选择一种评论审核方式。")
    if form["comments_open"] not in OPEN_CHOICES:
        raise FormProblem("请选择评论开关。")
    if len(form["description"]) > 500:
        raise FormProblem("栏目简介最多 500 个字。")
    return {
        "name": name,
        "parent_id": _whole(form["parent_id"], "上级栏目", low=1, high=INT4_MAX),
        "position": _whole(form["position"], "排序", low=-(2**31), high=INT4_MAX) or 0,
        "description": form["description"].strip(),
        "comment_policy": form["comment_policy"] or None,
        "comments_open": {"": None, "true": True, "false": False}[form["comments_open"]],
        "comment_max_length": _whole(form["comment_max_length"], "评论字数上限", low=1, high=2000),
    }


def _policy_label(node: dict[str, Any]) -> str:
    effective = node.get("effective") or {}
    label = POLICY_SHORT.get(str(effective.get("comment_policy")), "")
    return label + ("" if node.get("comment_policy") else "（继承）")


def _form_of(node: dict[str, Any]) -> dict[str, str]:
    open_value = node.get("comments_open")
    return {
        "name": str(node.get("name") or ""),
        "parent_id": str(node.get("parent_id") or ""),
        "position": str(node.get("position") or 0),
        "description": str(node.get("description") or ""),
        "comment_policy": str(node.get("comment_policy") or ""),
        "comments_open": "" if open_value is None else ("true" if open_value else "false"),
        "comment_max_length": str(node.get("comment_max_length") or ""),
    }


async def _tree_page(
    request: Request,
    gw: Gateway,
    session: WebSession,
    *,
    editing: int | None = None,
    form: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    nodes, known = await load_sections(request, gw, session)
    if not known:
        return problem_page(
            gw, session, 503, "栏目暂时无法显示", "文章服务暂时不可用，请稍后再试。"
        )
    entries = flatten(nodes)
    by_id = {e.id: e for e in entries}
    target: SectionEntry | None = None
    if editing is not None:
        target = by_id.get(editing)
        if target is None:
            return problem_page(
                gw, session, 404, "栏目不存在", "要修改的栏目不存在，可能地址有误。"
            )
    blank = {
        "name": "",
        "parent_id": "",
        "position": "0",
        "description": "",
        "comment_policy": "",
        "comments_open": "",
        "comment_max_length": "",
    }
    context = {
        "sections": nodes,
        "policy_of": {e.id: _policy_label(e.node) for e in entries},
        "open_of": {
            e.id: (e.node.get("effective") or {}).get("comments_open", True) for e in entries
        },
        "editing": target,
        # a section cannot move below itself or its own subsections
        "parents": [e for e in entries if target is None or e.id not in target.descendants],
        "form": form or (_form_of(target.node) if target else blank),
        "policies": POLICIES,
        "open_choices": OPEN_CHOICES,
        "error": error,
        "flash": flash_text(request.query_params.get("flash", "")),
    }
    template = "editor_section.html" if target else "editor_sections.html"
    return editor_page(gw, session, template, context, status=status)


@router.get("/sections")
async def sections_page(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Every section as a tree, and a form for a new one."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    return await _tree_page(request, gw, session)


@router.get("/sections/{section_id}")
async def section_page(
    section_id: SectionId, request: Request, gw: GatewayDep, session: SessionDep
) -> Response:
    """One section's form: rename, move (parent and order), comment settings."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    return await _tree_page(request, gw, session, editing=section_id)


async def _save(
    request: Request,
    gw: Gateway,
    session: WebSession,
    section_id: int | None,
    typed: SectionForm,
) -> Response:
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    check_form(request, session, typed.csrf_token, gw.settings.csrf_secret)
    form = typed.model_dump(exclude={"csrf_token"})
    try:
        fields = _settings(form)
    except FormProblem as exc:
        return await _tree_page(
            request, gw, session, editing=section_id, form=form, error=str(exc), status=422
        )
    if section_id is None:
        body = {k: v for k, v in fields.items() if v is not None}
        status, answer = await staff_call(
            request, gw, session, "articles", "POST", "/api/v1/sections", payload=body
        )
        flash = "section_created"
    else:
        status, answer = await staff_call(
            request,
            gw,
            session,
            "articles",
            "PATCH",
            f"/api/v1/sections/{section_id}",
            payload=fields,
        )
        flash = "section_saved"
    if status >= 300:
        if status == 404 and section_id is not None:
            return upstream_problem(gw, session, status, answer, "栏目不存在")
        return await _tree_page(
            request,
            gw,
            session,
            editing=section_id,
            form=form,
            error=explain(status, answer),
            status=refusal_status(status),
        )
    target = f"/editor/sections?flash={flash}#section-{answer.get('id')}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)


class SectionForm(BaseModel):
    """The section form as typed; checked by ``_settings`` so a refusal keeps the text."""

    name: str = Field(default="", max_length=600)
    parent_id: str = Field(default="", max_length=20)
    position: str = Field(default="", max_length=20)
    description: str = Field(default="", max_length=600)
    comment_policy: str = Field(default="", max_length=20)
    comments_open: str = Field(default="", max_length=20)
    comment_max_length: str = Field(default="", max_length=20)
    csrf_token: str | None = Field(default=None, max_length=100)


@router.post("/sections")
async def create_section(
    request: Request, gw: GatewayDep, session: SessionDep, form: Annotated[SectionForm, Form()]
) -> Response:
    """Create a section (at the root, or below ``parent_id``)."""
    return await _save(request, gw, session, None, form)


@router.post("/sections/{section_id}")
async def update_section(
    section_id: SectionId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    form: Annotated[SectionForm, Form()],
) -> Response:
    """Rename, move (an empty parent is the top level) or change the comment settings."""
    return await _save(request, gw, session, section_id, form)
