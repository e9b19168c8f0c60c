"""A headless "browser" for the authorization step: follows the 302s, and at the consent step signs
in and approves through the stand-in's consent API (what our consent page does for a person)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.oauth.conftest import PASSWORD, World
from tests.standin.oauth import sign_in_and_approve


@dataclass
class BrowserRun:
    steps: list[tuple[str, str, int]] = field(default_factory=list)
    final_location: str | None = None
    final_status: int | None = None

    @property
    def params(self) -> dict[str, str]:
        assert self.final_location is not None
        return {k: v[0] for k, v in parse_qs(urlsplit(self.final_location).query).items()}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc} {parts.path}"


async def authorize_in_browser(
    http: httpx.AsyncClient,
    world: World,
    authorize_url: str,
    *,
    action: Literal["approve", "deny"] = "approve",
    email: str | None = None,
) -> BrowserRun:
    """From our `/oauth/authorize` to the MCP client's redirect URI; stops early on any non-302."""
    run = BrowserRun()
    response = await http.get(authorize_url)
    run.steps.append(("GET", _path(authorize_url), response.status_code))
    location = response.headers.get("location")
    if response.status_code != 302 or location is None or not location.startswith(world.standin.url):
        run.final_location, run.final_status = location, response.status_code
        return run
    response = await http.get(location)
    run.steps.append(("GET", _path(location), response.status_code))
    consent_url = response.headers.get("location")
    if response.status_code != 302 or consent_url is None or "authorization_id=" not in consent_url:
        run.final_location, run.final_status = consent_url, response.status_code
        return run
    authorization_id = parse_qs(urlsplit(consent_url).query)["authorization_id"][0]
    page = await http.get(consent_url)  # our consent page (H6) renders; a person would sign in there
    run.steps.append(("GET", _path(consent_url), page.status_code))
    redirect_url = await sign_in_and_approve(
        http,
        world.standin.url,
        world.standin.anon_key,
        authorization_id,
        email=email or world.user.email,
        password=PASSWORD,
        action=action,
    )
    run.steps.append(("API", "sign in + " + action + " (stand-in consent API)", 200))
    response = await http.get(redirect_url)
    run.steps.append(("GET", _path(redirect_url), response.status_code))
    run.final_location, run.final_status = response.headers.get("location"), response.status_code
    return run


# --- the client side, by hand (what Claude's OAuth broker sends, request by request) -----------------

CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"
CLAUDE_COM_CALLBACK = "https://claude.com/api/mcp/auth_callback"


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        import base64
        import hashlib
        import secrets

        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


async def register(http: httpx.AsyncClient, world: World, **metadata: object) -> dict[str, object]:
    body: dict[str, object] = {
        "client_name": "Claude",
        "redirect_uris": [CLAUDE_CALLBACK],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    body.update(metadata)
    response = await http.post(f"{world.url}/oauth/register", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def authorize_url(world: World, client_id: str, pkce: Pkce, **params: str) -> str:
    from urllib.parse import urlencode

    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CLAUDE_CALLBACK,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "state": "claude-state-123",
        "resource": world.mcp_url,
    }
    query.update(params)
    return f"{world.url}/oauth/authorize?{urlencode({k: v for k, v in query.items() if v != ''})}"


async def obtain_code(
    http: httpx.AsyncClient, world: World, client_id: str, pkce: Pkce, **params: str
) -> BrowserRun:
    run = await authorize_in_browser(http, world, authorize_url(world, client_id, pkce, **params))
    assert run.final_status == 302, run
    return run


async def token(
    http: httpx.AsyncClient, world: World, form: dict[str, str], *, auth: tuple[str, str] | None = None
) -> httpx.Response:
    if auth is None:
        return await http.post(f"{world.url}/oauth/token", data=form)
    return await http.post(f"{world.url}/oauth/token", data=form, auth=(auth[0], auth[1]))
