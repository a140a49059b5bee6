"""Pure rules of the edge: safe redirects, CSRF tokens, paths, route classes, invalidation tags."""

from __future__ import annotations

import pytest

from common.errors import InvalidInputError, NotFoundError
from gateway.cache.invalidation import tags_for
from gateway.domain.errors import CsrfError
from gateway.edge import is_anonymous, route_class
from gateway.routing import cache_policy, upstream_for
from gateway.security import check_csrf, csrf_token, safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/articles/5", "/articles/5"),
        ("/search?q=城市", "/search?q=城市"),
        (None, "/"),
        ("", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_safe_next_keeps_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_csrf_token_is_bound_to_the_session() -> None:
    token = csrf_token("secret", "session-a")
    check_csrf(secret="secret", session_id="session-a", given=token)
    for session, given in (("session-b", token), ("session-a", None), ("session-a", "x")):
        with pytest.raises(CsrfError):
            check_csrf(secret="secret", session_id=session, given=given)


@pytest.mark.parametrize(
    ("path", "upstream"),
    [
        ("/api/v1/articles/5/comments", "comments"),
        ("/api/v1/comments/latest", "comments"),
        ("/api/v1/moderation/queue", "comments"),
        ("/api/v1/hot", "analytics"),
        ("/api/v1/stats/overview", "analytics"),
        ("/api/v1/articles/5/related", "articles"),
        ("/api/v1/sections/3/articles", "articles"),
        ("/api/v1/search", "articles"),
        ("/api/v1/rss.xml", "articles"),
    ],
)
def test_paths_route_to_their_owner(path: str, upstream: str) -> None:
    assert upstream_for(path) == upstream


@pytest.mark.parametrize(
    "path", ["/api/v1/../admin", "/api/v1//x", "/api/v1/a/./b", "/api/v1/a@b", "/api/v1/x:1"]
)
def test_odd_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidInputError):
        upstream_for(path)


def test_unknown_paths_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        upstream_for("/api/v1/internal/config")


def test_cache_policies() -> None:
    assert cache_policy("/api/v1/articles/7/comments").tags == ("comments:7",)  # type: ignore[union-attr]
    assert cache_policy("/api/v1/moderation/queue") is None
    assert cache_policy("/api/v1/stats/overview") is None


def test_route_classes() -> None:
    assert route_class("GET", "/articles/1") == "read"
    assert route_class("POST", "/articles/1/comments") == "comment"
    assert route_class("POST", "/api/v1/articles/1/comments") == "comment"
    assert route_class("POST", "/login") == "login"
    assert route_class("POST", "/api/v1/articles") == "write"
    assert route_class("GET", "/healthz") is None


def test_anonymous_means_no_token_and_no_session_cookie() -> None:
    assert is_anonymous({})
    assert is_anonymous({b"cookie": b"theme=dark"})
    assert not is_anonymous({b"cookie": b"nr_at=x"})
    assert not is_anonymous({b"authorization": b"Bearer x"})


def test_change_events_map_to_the_cached_views_they_affect() -> None:
    published = tags_for(
        "article.published", {"article_id": 5, "section_id": 3, "section_path": [1, 3]}
    )
    assert published == {"article:5", "lists", "section:1", "section:3"}
    assert tags_for("comment.approved", {"article_id": 5}) == {
        "comments:5",
        "article:5",
        "comments:latest",
    }
    assert tags_for("comment.submitted", {"article_id": 5}) == set()
    assert tags_for("comment.rejected", {"article_id": 5, "was_visible": False}) == set()
    assert tags_for("comment.rejected", {"article_id": 5, "was_visible": True})
