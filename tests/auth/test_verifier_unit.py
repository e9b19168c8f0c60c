"""The verifier and the JWKS parser in-process (the stand-in still serves the JWKS over loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.auth.conftest import CLIENT_ID
from tests.standin.fixtures import Standin
from tests.standin.keys import SigningKey
from workout_mcp.auth.jwks import JwksCache, cache_seconds, parse_jwk
from workout_mcp.auth.verifier import RejectReason, SupabaseTokenVerifier, TokenRejected
from workout_mcp.supabase import SupabaseGateway


@pytest.fixture
async def verifier(standin: Standin) -> AsyncIterator[SupabaseTokenVerifier]:
    async with httpx.AsyncClient() as http:
        clock = standin.state.clock
        jwks = JwksCache(SupabaseGateway(http, standin.url, standin.anon_key), clock=clock)
        yield SupabaseTokenVerifier(
            jwks, issuer=standin.issuer, client_id=CLIENT_ID, clock=clock, cache_size=3
        )


async def test_verified_token_cache_hit_skips_the_signature_check(
    standin: Standin, verifier: SupabaseTokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = standin.add_user("a@example.com")
    token = standin.mint(user, client_id=CLIENT_ID)
    first = await verifier.verify(token)
    key = await verifier.jwks.get(standin.state.keys.signing.kid)
    assert key is not None
    calls = []
    original = type(key.algorithm).verify

    def counting_verify(self, msg, k, sig):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, msg, k, sig)

    monkeypatch.setattr(type(key.algorithm), "verify", counting_verify)
    for _ in range(10):
        assert await verifier.verify(token) is first
    assert calls == []
    await verifier.verify(standin.mint(user, client_id=CLIENT_ID))
    assert calls == [1]


async def test_access_token_carries_subject_client_expiry_and_claims(
    standin: Standin, verifier: SupabaseTokenVerifier
) -> None:
    user = standin.add_user("a@example.com")
    token = standin.mint(user, client_id=CLIENT_ID, scope="openid email")
    access = await verifier.verify(token)
    assert access.subject == user.id
    assert access.client_id == CLIENT_ID
    assert access.scopes == ["openid", "email"]
    assert access.token == token
    assert access.claims is not None and access.claims["iss"] == standin.issuer
    assert access.expires_at == access.claims["exp"]


async def test_cache_is_bounded_lru(standin: Standin, verifier: SupabaseTokenVerifier) -> None:
    user = standin.add_user("a@example.com")
    tokens = [standin.mint(user, client_id=CLIENT_ID) for _ in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert len(verifier._cache) == 3
    assert list(verifier._cache) == tokens[2:]


async def test_typed_reason_for_each_rejection(standin: Standin, verifier: SupabaseTokenVerifier) -> None:
    user = standin.add_user("a@example.com")
    cases = {
        RejectReason.WRONG_CLIENT: standin.mint(user, client_id="someone-else"),
        RejectReason.WRONG_ISSUER: standin.mint(user, client_id=CLIENT_ID, iss="x"),
        RejectReason.EXPIRED: standin.mint(user, client_id=CLIENT_ID, exp=standin.state.now() - 3600),
        RejectReason.UNKNOWN_KEY: standin.mint(user, client_id=CLIENT_ID, key=SigningKey.es256()),
        RejectReason.MALFORMED: "not-a-jwt",
    }
    for reason, token in cases.items():
        with pytest.raises(TokenRejected) as caught:
            await verifier.verify(token)
        assert caught.value.reason is reason
        assert await verifier.verify_token(token) is None
        assert verifier.rejections[reason] == 1


def test_only_es256_and_rs256_public_keys_are_accepted_from_a_jwks() -> None:
    es, rs = SigningKey.es256("es"), SigningKey.rs256("rs")
    assert parse_jwk(es.public_jwk()) is not None
    assert parse_jwk(rs.public_jwk()) is not None
    assert parse_jwk({"kty": "oct", "kid": "hs", "alg": "HS256", "k": "c2VjcmV0"}) is None
    assert parse_jwk({**es.public_jwk(), "alg": "ES512"}) is None
    assert parse_jwk({**rs.public_jwk(), "alg": "PS256"}) is None
    assert parse_jwk({**es.public_jwk(), "use": "enc"}) is None
    assert parse_jwk({**es.public_jwk(), "kid": ""}) is None
    assert parse_jwk({**es.public_jwk(), "crv": "P-384"}) is None


def test_cache_control_max_age_is_clamped() -> None:
    assert cache_seconds("public, max-age=600", floor=30) == 600
    assert cache_seconds("public, max-age=86400", floor=30) == 600
    assert cache_seconds("max-age=5", floor=30) == 30
    assert cache_seconds("no-store", floor=30) == 30
    assert cache_seconds(None, floor=30) == 600
