"""Supabase's token-endpoint answers translated to RFC 6749 (contract §2.5, §3.6, §6.9)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx
import pytest

from workout_mcp.auth.oauth.errors import OAuthError
from workout_mcp.auth.oauth.upstream import SupabaseOAuth
from workout_mcp.supabase import SupabaseAuth, SupabaseGateway


def _upstream(handler: httpx.MockTransport) -> SupabaseOAuth:
    gateway = SupabaseGateway(
        httpx.AsyncClient(transport=handler), "https://ref.supabase.co", "anon", timeout=5
    )
    return SupabaseOAuth(
        SupabaseAuth(gateway),
        client_id="our-client",
        client_secret="s3cr:et",
        callback_url="https://app.example/oauth/callback",
    )


async def test_code_exchange_sends_our_credentials_our_callback_and_the_clients_verifier() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"access_token": "at", "token_type": "bearer", "expires_in": 3600, "refresh_token": "rt"},
        )

    tokens = await _upstream(httpx.MockTransport(handler)).exchange_code("sb-code", "verifier")
    assert tokens.access_token == "at" and tokens.refresh_token == "rt" and tokens.expires_in == 3600
    request = seen[0]
    assert str(request.url) == "https://ref.supabase.co/auth/v1/oauth/token"
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "code": "sb-code",
        "redirect_uri": "https://app.example/oauth/callback",
        "code_verifier": "verifier",
    }
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"our-client:s3cr%3Aet").decode()
    assert request.headers["apikey"] == "anon"


@pytest.mark.parametrize(
    ("status", "body", "error", "our_status"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "Invalid authorization code"},
            "invalid_grant",
            400,
        ),
        (400, {"error": "access_denied", "error_description": "User is banned"}, "invalid_grant", 400),
        (400, {"error": "invalid_client", "error_description": "other client"}, "invalid_grant", 400),
        (400, {"error": "invalid_request", "error_description": "x"}, "invalid_request", 400),
        (
            400,
            {"code": 400, "error_code": "refresh_token_not_found", "msg": "Invalid Refresh Token"},
            "invalid_grant",
            400,
        ),
        (
            400,
            {"code": 400, "error_code": "refresh_token_already_used", "msg": "Already Used"},
            "invalid_grant",
            400,
        ),
        (400, {"code": "refresh_token_not_found", "message": "Invalid Refresh Token"}, "invalid_grant", 400),
        (
            400,
            {"code": 400, "error_code": "invalid_credentials", "msg": "invalid client credentials"},
            "server_error",
            503,
        ),
        (401, {"message": "No API key found in request"}, "server_error", 503),
        (409, {"code": 409, "error_code": "conflict", "msg": "lock"}, "temporarily_unavailable", 503),
        (
            429,
            {"code": 429, "error_code": "over_request_rate_limit", "msg": "slow down"},
            "temporarily_unavailable",
            503,
        ),
        (
            500,
            {"code": 500, "error_code": "unexpected_failure", "msg": "boom"},
            "temporarily_unavailable",
            503,
        ),
        (502, {}, "temporarily_unavailable", 503),
        (200, {"unexpected": True}, "temporarily_unavailable", 503),
    ],
)
async def test_errors_are_translated(
    status: int, body: dict[str, object], error: str, our_status: int
) -> None:
    upstream = _upstream(httpx.MockTransport(lambda request: httpx.Response(status, json=body)))
    with pytest.raises(OAuthError) as caught:
        await upstream.refresh("rt")
    assert caught.value.error == error and caught.value.status == our_status


async def test_timeouts_and_connection_errors_are_temporarily_unavailable() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(OAuthError) as caught:
        await _upstream(httpx.MockTransport(handler)).refresh("rt")
    assert caught.value.status == 503
    assert calls == 1  # never retried: a retried refresh would trip reuse detection
