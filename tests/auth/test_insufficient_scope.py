"""The 403 path exists for the day a scope is required (Supabase issues only OIDC scopes today)."""

from __future__ import annotations

import httpx
from mcp.server.auth.provider import AccessToken
from starlette.types import Receive, Scope, Send

from workout_mcp.auth.middleware import BearerAuthMiddleware

PRM = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"


class FixedVerifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        if token == "good":
            return AccessToken(token=token, client_id="c", scopes=["openid", "email"], subject="u")
        return None


async def reached(scope: Scope, receive: Receive, send: Send) -> None:
    user = scope.get("user")
    body = f"{user.access_token.subject}:{','.join(scope['auth'].scopes)}".encode() if user else b"anonymous"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def client(required: tuple[str, ...]) -> httpx.AsyncClient:
    app = BearerAuthMiddleware(
        reached, verifier=FixedVerifier(), resource_metadata_url=PRM, required_scopes=required
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://mcp.example.com")


async def test_missing_required_scope_gets_403_insufficient_scope() -> None:
    async with client(("workouts:read",)) as http:
        response = await http.post("/mcp", headers={"Authorization": "Bearer good"})
        no_token = await http.post("/mcp")
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="workouts:read", '
        f'resource_metadata="{PRM}", error_description="Required scope: workouts:read"'
    )
    assert no_token.headers["www-authenticate"] == f'Bearer resource_metadata="{PRM}", scope="workouts:read"'


async def test_without_required_scopes_the_user_reaches_the_app_as_the_sdk_expects() -> None:
    async with client(()) as http:
        response = await http.post("/mcp/", headers={"Authorization": "bearer good"})
        other_path = await http.get("/health")
    assert response.status_code == 200
    assert response.text == "u:openid,email"
    assert other_path.text == "anonymous"


async def test_two_authorization_headers_are_refused() -> None:
    async with client(()) as http:
        response = await http.post(
            "/mcp", headers=[("Authorization", "Bearer good"), ("Authorization", "Bearer good")]
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
