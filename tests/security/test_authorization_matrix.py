"""The authorisation matrix: every route of every service and of the gateway, as every principal.

Routes come from the apps' own route tables; rules from ``access_rules.RULES``. A route
without a rule fails the test. Each service route is called on the service itself and, for
``/api/v1`` paths, through the gateway too. Principals: anonymous, each role, and four bad
tokens (expired, ``alg: none``, signed by another key, claims changed after signing), all
claiming admin. Bad tokens are a 401 on every API route; on pages (cookie sessions) they are
an anonymous visitor. Path ids name nothing, and bodies are empty, so nothing is changed.
"""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.auth import TokenIssuer
from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.settings import DEV_GATEWAY_SECRET, DEV_JWT_PRIVATE_KEY
from gateway.security import csrf_token
from gateway.settings import DEV_CSRF_SECRET
from tests.security.access_rules import ADMIN, OPS, PUBLIC, RULES, USER
from tests.security.route_tables import SERVICES, route_table
from tests.stack import Platform

ROLES = ("reader", "moderator", "editor", "admin")
BAD_TOKENS = ("expired", "alg-none", "other-key", "forged-claims")
PRINCIPALS = ("anonymous", *ROLES, *BAD_TOKENS)
NO_SUCH_ID = "2147480001"
LOGIN_REDIRECT = re.compile(r"^/login\b")


def _tokens() -> dict[str, str]:
    issuer = TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(minutes=30),
    )
    tokens = {
        role: issuer.issue(user_id=990_000_000 + i, username=f"matrix-{role}", roles=[role])
        for i, role in enumerate(ROLES)
    }
    now = datetime.now(UTC)
    admin = {"sub": "990000009", "name": "matrix-bad", "roles": ["admin"], "iss": "newsroom"}
    admin |= {"aud": "newsroom", "iat": now, "exp": now + timedelta(minutes=30), "sid": ""}
    expired = admin | {"iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)}
    tokens["expired"] = jwt.encode(expired, DEV_JWT_PRIVATE_KEY, algorithm="EdDSA")
    tokens["alg-none"] = jwt.encode(admin, None, algorithm="none")
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tokens["other-key"] = jwt.encode(admin, other, algorithm="EdDSA")
    head, _, signature = tokens["reader"].split(".")
    claims = jwt.decode(tokens["reader"], options={"verify_signature": False}) | {"roles": [ADMIN]}
    body = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    tokens["forged-claims"] = f"{head}.{body}.{signature}"
    return tokens


@dataclass(frozen=True, slots=True)
class Call:
    """One cell of the matrix."""

    where: str  # the service called, or "gateway" for a service route called through it
    owner: str  # the service the route belongs to
    method: str
    template: str
    rule: str
    principal: str


def _fill(template: str) -> str:
    path = template.replace("{path:path}", "css/site.css").replace("{slug}", "no-such-slug")
    return re.sub(r"\{[a-z_]+\}", NO_SUCH_ID, path)


def _allowed(rule: str, principal: str) -> bool:
    kind = rule.split(":")[-1]
    if kind == PUBLIC:
        return True
    if principal not in ROLES:
        return False
    return kind == USER or principal in {kind, ADMIN}


def _verdict(call: Call, status: int, location: str) -> str | None:
    """None when the answer is right for the rule and principal; else what is wrong."""
    if status >= 500:
        return f"answered {status}"
    if call.rule == OPS:
        return None
    to_login = status in {302, 303} and bool(LOGIN_REDIRECT.match(location))
    refused = status in {401, 403} or to_login
    web = ":" in call.rule  # a page or form of the gateway: cookie session
    bad = call.principal in BAD_TOKENS
    if bad and not web:
        return None if status == 401 else f"bad token answered {status}, not 401"
    principal = "anonymous" if bad else call.principal
    if _allowed(call.rule, principal):
        return f"allowed caller refused ({status} {location})" if refused else None
    if call.rule.startswith("form:"):  # refused, or its form already failed to validate
        return None if refused or status == 422 else f"denied caller answered {status}"
    if principal == "anonymous":
        expected = to_login if web else status == 401
        return None if expected else f"anonymous caller answered {status} {location}"
    return None if status == 403 else f"caller without the role answered {status}"


def _calls() -> tuple[list[Call], list[str]]:
    calls, missing = [], []
    for service in SERVICES:
        rules = RULES[service]
        for method, template in sorted(route_table(service)):
            rule = rules.get((method, template))
            if rule is None:
                missing.append(f"{service} {method} {template}")
                continue
            if rule == "proxy":
                continue  # exercised by the services' rows called through the gateway
            places = [service]
            if service != "gateway" and template.startswith("/api/v1/"):
                places.append("gateway")
            for where in places:
                calls += [Call(where, service, method, template, rule, p) for p in PRINCIPALS]
    return calls, missing


def test_every_route_has_a_rule() -> None:
    _, missing = _calls()
    assert not missing, "routes without an access rule in tests/security/access_rules.py:\n" + (
        "\n".join(missing)
    )


async def _run(call: Call, client: httpx.AsyncClient, base: str, token: str | None) -> str | None:
    headers: dict[str, str] = {"user-agent": "Mozilla/5.0 (authorisation matrix)"}
    data: dict[str, Any] | None = None
    if token is not None and ":" in call.rule:
        headers["cookie"] = f"nr_at={token}"
    elif token is not None:
        headers["authorization"] = f"Bearer {token}"
    if call.where != "gateway":  # a service is called as the gateway calls it
        headers |= {"x-client-id": "matrix-visitor", GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET}
    if call.rule.startswith("form:"):
        data = {"csrf_token": csrf_token(DEV_CSRF_SECRET, "")}
    response = await client.request(
        call.method, base + _fill(call.template), headers=headers, data=data
    )
    problem = _verdict(call, response.status_code, response.headers.get("location", ""))
    if problem is None:
        return None
    return (
        f"{call.where}: {call.method} {call.template} as {call.principal} ({call.rule}): {problem}"
    )


async def test_the_matrix(platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    calls, _ = _calls()
    tokens = _tokens()
    gate = asyncio.Semaphore(16)

    async def one(call: Call, client: httpx.AsyncClient) -> str | None:
        base = platform.url(call.where)
        async with gate:
            return await _run(call, client, base, tokens.get(call.principal))

    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))  # each call stands alone
    async with httpx.AsyncClient(
        timeout=15, follow_redirects=False, cookies=httpx.Cookies(no_cookies)
    ) as client:
        problems = [p for p in await asyncio.gather(*(one(c, client) for c in calls)) if p]
    routes = {(c.owner, c.method, c.template) for c in calls}
    with capsys.disabled():
        print(
            f"\nauthorisation matrix: {len(routes)} routes x {len(PRINCIPALS)} principals, "
            f"{len(calls)} calls, {len(problems)} wrong"
        )
    assert not problems, "\n".join(sorted(problems))
