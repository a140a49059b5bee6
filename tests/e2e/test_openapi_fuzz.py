"""Schemathesis over every service's and the gateway's OpenAPI: no input answers 5xx.

The four HTTP apps run as real processes on real PostgreSQL, Redis and Kafka, in schemas
of their own (the fuzzer creates, edits and deletes at will, so it never shares data
with the other tests). Every operation gets a few valid and a few invalid inputs
(out-of-range numbers, wrong types, missing fields...) generated from its schema,
derandomized so a run is repeatable. Calls carry an operator's token so the checks
behind authorisation are reached too; the two calls that would end that token's
session or change roles go without it.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.stack import SERVICES, Platform, _create_topics, _migrate, base_environment, free_port

FUZZ = settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
WITHOUT_TOKEN = {("POST", "/api/v1/auth/logout"), ("PUT", "/api/v1/users/{user_id}/roles")}
TALLY: Counter[str] = Counter()


def _operator_token() -> str:
    """An admin token of no account: no logout or role change in the run can revoke it."""
    from common.auth import TokenIssuer
    from common.settings import DEV_JWT_PRIVATE_KEY

    issuer = TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(hours=1),
    )
    return issuer.issue(user_id=999_999_998, username="fuzz-operator", roles=["admin"])


@pytest.fixture(scope="module")
def fuzz_platform() -> Iterator[Platform]:
    """The four HTTP apps (no consumers) on fresh schemas, topics and Redis prefixes."""
    import tempfile
    import uuid
    from pathlib import Path

    uid = uuid.uuid4().hex[:8]
    logs = Path(tempfile.mkdtemp(prefix=f"newsroom-fuzz-{uid}-"))
    platform = Platform(uid=uid, base_env=base_environment(uid), logs=logs)
    ports = {service: free_port() for service in SERVICES}
    for service in SERVICES:
        platform.base_env[f"NEWSROOM_{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}"
    try:
        _migrate(platform)
        asyncio.run(_create_topics(platform))
        for service in SERVICES:
            platform.add(service, service, service, port=ports[service]).start()
        for process in platform.processes.values():
            process.wait_ready()
        yield platform
    finally:
        platform.close()
        counts = ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items()))
        sys.__stderr__.write(f"\nschemathesis: {counts}\n")  # past pytest's capture


def _fuzz(platform: Platform, service: str) -> None:
    """Every operation of a service, valid and invalid inputs: no answer may be a 5xx."""
    schema = schemathesis.openapi.from_url(f"{platform.url(service)}/openapi.json")
    headers = {"authorization": f"Bearer {_operator_token()}"}
    server_errors: list[str] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @FUZZ
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                sent = {} if (case.method.upper(), case.path) in WITHOUT_TOKEN else headers
                response = case.call(headers=sent, timeout=10)
                TALLY[f"{service} cases"] += 1
                if response.status_code >= 500:
                    TALLY[f"{service} 5xx"] += 1
                    server_errors.append(
                        f"{case.method} {response.request.url} -> {response.status_code}"
                    )

            try:
                run()
            except HypothesisException:  # e.g. an operation whose every input is filtered
                TALLY[f"{service} skipped"] += 1
    assert server_errors == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_input_makes_a_service_answer_5xx(fuzz_platform: Platform, service: str) -> None:
    _fuzz(fuzz_platform, service)
