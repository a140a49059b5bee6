import time
from datetime import timedelta

import jwt
import pytest
from pydantic_settings import SettingsConfigDict

from common.auth import InvalidTokenError, TokenIssuer, TokenVerifier
from common.settings import DEV_JWT_PRIVATE_KEY, DEV_JWT_PUBLIC_KEY, ServiceSettings
from common.visitor import hash_visitor


def _issuer(ttl: timedelta = timedelta(minutes=5)) -> TokenIssuer:
    return TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY, issuer="newsroom", audience="newsroom", ttl=ttl
    )


def _verifier() -> TokenVerifier:
    return TokenVerifier(public_key=DEV_JWT_PUBLIC_KEY, issuer="newsroom", audience="newsroom")


def test_prod_refuses_the_development_key() -> None:
    with pytest.raises(ValueError, match="jwt_public_key"):
        ServiceSettings(env="prod")


def test_service_prefix_wins_over_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    class Svc(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="SVC_", extra="ignore")

    monkeypatch.setenv("NEWSROOM_REDIS_URL", "redis://shared:1/0")
    assert Svc().redis_url == "redis://shared:1/0"
    monkeypatch.setenv("SVC_REDIS_URL", "redis://own:2/0")
    assert Svc().redis_url == "redis://own:2/0"


def test_a_valid_token_names_its_user_and_known_roles() -> None:
    token = _issuer().issue(user_id=42, username="张三", roles=["editor", "emperor"])
    principal = _verifier().verify(token)
    assert (principal.user_id, principal.username) == (42, "张三")
    assert principal.roles == frozenset({"editor"})
    assert principal.has_any("editor")
    assert not principal.has_any("moderator")


def test_an_expired_token_is_refused() -> None:
    token = _issuer(ttl=timedelta(seconds=-60)).issue(user_id=1, username="a", roles=["reader"])
    with pytest.raises(InvalidTokenError, match="expired"):
        _verifier().verify(token)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    now = [time.time()]
    verifier = TokenVerifier(
        public_key=DEV_JWT_PUBLIC_KEY,
        issuer="newsroom",
        audience="newsroom",
        clock=lambda: now[0],
    )
    token = _issuer(ttl=timedelta(seconds=60)).issue(user_id=7, username="b", roles=["reader"])
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # remembered, not verified again
    now[0] += 60 + 5 + 1  # past its expiry and the leeway
    with pytest.raises(InvalidTokenError, match="expired"):
        verifier.verify(token)
    with pytest.raises(InvalidTokenError, match="expired"):
        verifier.verify(token)


def test_a_token_that_failed_is_checked_again_each_time() -> None:
    verifier = _verifier()
    good = _issuer().issue(user_id=8, username="c", roles=["reader"])
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            verifier.verify(tampered)
    assert verifier.verify(good).user_id == 8


def test_a_token_signed_with_another_algorithm_is_refused() -> None:
    forged = jwt.encode(
        {
            "sub": "1",
            "name": "a",
            "roles": ["admin"],
            "iss": "newsroom",
            "aud": "newsroom",
            "iat": 0,
            "exp": 4102444800,
        },
        "a-shared-secret-long-enough-for-hs256-signing",
        algorithm="HS256",
    )
    with pytest.raises(InvalidTokenError):
        _verifier().verify(forged)


def test_a_tampered_token_is_refused() -> None:
    token = _issuer().issue(user_id=1, username="a", roles=["reader"])
    head, body, sig = token.split(".")
    with pytest.raises(InvalidTokenError):
        _verifier().verify(f"{head}.{body}x.{sig}")


def test_visitor_hash_depends_on_salt_and_hides_the_ip() -> None:
    a = hash_visitor(b"salt-1", "10.0.0.1", "Mozilla")
    assert a == hash_visitor(b"salt-1", "10.0.0.1", "Mozilla")
    assert a != hash_visitor(b"salt-2", "10.0.0.1", "Mozilla")
    assert "10.0.0.1" not in a
    assert len(a) == 32
