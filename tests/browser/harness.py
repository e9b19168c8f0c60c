"""A consent-page rig: the Supabase stand-in, our app and a recording MCP-client callback on loopback.

Used by `tests/oauth/test_consent.py` (httpx, no browser) and `tests/browser/` (headless Chromium).
Our upstream Supabase client is registered in the stand-in's OAuth server with the recording callback
as its redirect URI, so the consent page is tested on its own, without the facade in front of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.standin.app import build_standin_app
from tests.standin.fixtures import Standin, bound_socket, serve_on_socket
from tests.standin.oauth import OAuthClient, OAuthServerState, oauth_server
from tests.standin.state import StandinState
from workout_mcp.app import create_app
from workout_mcp.auth.clients import client_ref
from workout_mcp.auth.flow import FLOW_PURPOSE, AuthorizationState, new_flow_nonce, write_flows
from workout_mcp.auth.sealing import Sealer
from workout_mcp.config import Settings, load_settings
from workout_mcp.store.local import LocalStore

SECRET_KEY = "Zq7vK2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8x"
PASSWORD = "correct horse battery staple"
MCP_CLIENT_ID = "mcp-client-claude-test"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


class Faults:
    """Upstream failures the stand-in does not model: its consent API answering 5xx."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.oauth_down = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.oauth_down and scope["type"] == "http" and "/oauth/authorizations/" in scope["path"]:
            response = JSONResponse({"code": 500, "error_code": "unexpected_failure", "msg": "boom"}, 500)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


@dataclass
class CallbackRecorder:
    """The MCP client's redirect target: records every hit, answers with a small page."""

    hits: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def callback(request: Request) -> Response:
            self.hits.append(dict(request.query_params))
            outcome = "error" if "error" in request.query_params else "code"
            return HTMLResponse(f"<!doctype html><title>callback</title><p id='outcome'>{outcome}</p>")

        return Starlette(routes=[Route("/callback", callback)])


@dataclass
class ConsentRig:
    app_url: str
    settings: Settings
    app: Starlette
    standin: Standin
    oauth: OAuthServerState
    upstream: OAuthClient
    faults: Faults
    sealer: Sealer
    callback_url: str
    callbacks: CallbackRecorder
    seen_paths: list[str] = field(default_factory=list)
    flow_nonces: dict[str, str] = field(default_factory=dict)

    def add_user(self, email: str = "ada@example.com", **kw: Any) -> Any:
        return self.standin.add_user(email, PASSWORD, **kw)

    def authorize_url(
        self,
        *,
        scope: str = "openid email",
        client_name: str = "Claude",
        client_id: str = MCP_CLIENT_ID,
        state: str | None = "mcp-state",
    ) -> tuple[str, str]:
        """Supabase's /oauth/authorize URL as our facade would build it, and the flow's nonce."""
        nonce = new_flow_nonce()
        sealed = AuthorizationState(
            client_ref=client_ref(client_id),
            client_name=client_name,
            redirect_uri=self.callback_url,
            explicit_redirect=True,
            client_state=state,
            challenge=CHALLENGE,
            scope=scope,
            flow=nonce,
            started_at=int(time.time()),
        ).seal(self.sealer)
        params = {
            "client_id": self.upstream.id,
            "redirect_uri": self.callback_url,
            "response_type": "code",
            "scope": scope,
            "state": sealed,
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256",
        }
        return f"{self.standin.url}/auth/v1/oauth/authorize?{urlencode(params)}", nonce

    def start_authorization(self, **flow: Any) -> str:
        """What Supabase's /oauth/authorize does after our facade redirected: an authorization id.

        `flow` is what the MCP client asked (`authorize_url`); `flow_cookie(aid)` is the cookie of the
        browser that started it."""
        url, nonce = self.authorize_url(**flow)
        response = httpx.get(url)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(f"{self.app_url}/oauth/consent?")
        authorization_id = parse_qs(urlsplit(location).query)["authorization_id"][0]
        self.flow_nonces[authorization_id] = nonce
        return authorization_id

    def flow_cookie(self, *nonces: str) -> tuple[str, str]:
        """(name, value) of the flow cookie of a browser that started the flows with these nonces."""
        response = Response()
        secure = self.settings.public_url.startswith("https://")
        write_flows(response, self.sealer, list(nonces), secure=secure)
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(response.headers["set-cookie"])
        (name, morsel), *_ = cookie.items()
        return name, morsel.value

    def flows_in(self, value: str | None) -> list[str]:
        """The nonces in a flow cookie's value."""
        if not value:
            return []
        flows = self.sealer.unseal(FLOW_PURPOSE, value)
        return [str(f) for f in flows]


def rig_settings(
    app_url: str, supabase_url: str, anon_key: str, upstream: OAuthClient, **overrides: Any
) -> Settings:
    port = urlsplit(app_url).port or 443
    values: dict[str, Any] = {
        "_env_file": None,
        "mcp_transport": "http",
        "host": "127.0.0.1",
        "port": port,
        "base_url": app_url,
        "supabase_url": supabase_url,
        "supabase_anon_key": anon_key,
        "oauth_client_id": upstream.id,
        "oauth_client_secret": upstream.secret,
        "secret_key": SECRET_KEY,
        "rate_limit_enabled": False,
    }
    values.update(overrides)
    return load_settings(**values)


@contextmanager
def consent_rig(
    tmp_path: Path,
    *,
    serve_app: bool = False,
    app_url: str | None = None,
    http_client: httpx.AsyncClient | None = None,
    via_facade: bool = False,
    **overrides: Any,
) -> Iterator[ConsentRig]:
    """Stand-in + callback under uvicorn; our app built (and served too with `serve_app`).

    With `via_facade` our upstream client's redirect URI is our own `/oauth/callback`, as in
    production, so a flow can start at our `/oauth/authorize`.
    """
    with ExitStack() as stack:
        callbacks = CallbackRecorder()
        callback_base = stack.enter_context(
            serve_on_socket(callbacks.app(), stack.enter_context(bound_socket()))
        )
        app_sock = stack.enter_context(bound_socket()) if serve_app else None
        if app_sock is not None:
            app_url = f"http://127.0.0.1:{app_sock.getsockname()[1]}"
        app_url = app_url or "http://127.0.0.1:8000"

        state = StandinState()
        sb_sock = stack.enter_context(bound_socket())
        state.base_url = f"http://127.0.0.1:{sb_sock.getsockname()[1]}"
        oauth = oauth_server(state)
        oauth.site_url, oauth.authorization_path = app_url, "/oauth/consent"
        callback_url = f"{callback_base}/callback"
        upstream_redirect = f"{app_url}/oauth/callback" if via_facade else callback_url
        upstream = oauth.register_client([upstream_redirect], name="workout-mcp")
        faults = Faults(build_standin_app(state))
        sb_url = stack.enter_context(serve_on_socket(faults, sb_sock))
        standin = Standin(url=sb_url, state=state)

        settings = rig_settings(app_url, sb_url, state.anon_key, upstream, **overrides)
        store = LocalStore(tmp_path / "workouts.db")
        app = create_app(settings, store=store, http_client=http_client)
        seen_paths: list[str] = []
        if app_sock is not None:

            async def counting(scope: Any, receive: Any, send: Any) -> None:
                if scope["type"] == "http":
                    seen_paths.append(f"{scope['method']} {scope['path']}")
                await app(scope, receive, send)

            stack.enter_context(serve_on_socket(counting, app_sock))
        sealer = app.state.services.sealer
        assert sealer is not None
        yield ConsentRig(
            seen_paths=seen_paths,
            app_url=app_url,
            settings=settings,
            app=app,
            standin=standin,
            oauth=oauth,
            upstream=upstream,
            faults=faults,
            sealer=sealer,
            callback_url=callback_url,
            callbacks=callbacks,
        )
