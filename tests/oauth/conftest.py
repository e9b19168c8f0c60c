"""Our server (real `create_app`, auth on, uvicorn on 127.0.0.1) in front of the Supabase stand-in.

The stand-in's OAuth server holds this server's confidential client (redirect URI
`BASE_URL/oauth/callback`) and sends browsers to `BASE_URL/oauth/consent`, as the dashboard would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.recording_store import RecordingStore
from tests.standin.fixtures import Standin, bound_socket, run_standin, serve_on_socket
from tests.standin.oauth import OAuthClient, OAuthServerState, oauth_server
from tests.standin.state import User
from workout_mcp.app import create_app
from workout_mcp.config import Settings, load_settings

SECRET_KEY = "p7Hq2Zr9Lm4Tx8Vb1Nc6Jd3Kf5Wg0Ys2Ue7Ia4Ob9Qh"
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    url: str
    standin: Standin
    settings: Settings
    upstream: OAuthClient
    user: User
    store: RecordingStore
    app: Any = field(repr=False)
    http_client: httpx.AsyncClient | None = field(default=None, repr=False)

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    @property
    def oauth(self) -> OAuthServerState:
        return oauth_server(self.standin.state)


@contextmanager
def running_world(*, http_client: httpx.AsyncClient | None = None, **overrides: Any) -> Iterator[World]:
    with run_standin() as sb, bound_socket() as sock:
        port = sock.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = oauth_server(sb.state)
        server.site_url = base
        server.authorization_path = "/oauth/consent"
        upstream = server.register_client([f"{base}/oauth/callback"], name="workout-mcp")
        values: dict[str, Any] = {
            "_env_file": None,
            "mcp_transport": "http",
            "host": "127.0.0.1",
            "port": port,
            "supabase_url": sb.url,
            "supabase_anon_key": sb.anon_key,
            "oauth_client_id": upstream.id,
            "oauth_client_secret": upstream.secret,
            "secret_key": SECRET_KEY,
            "rate_limit_enabled": False,
        }
        values.update(overrides)
        settings = load_settings(**values)
        store = RecordingStore()
        app = create_app(settings, store=store, http_client=http_client)  # type: ignore[arg-type,unused-ignore]
        user = sb.add_user("lifter@example.com", PASSWORD)
        with serve_on_socket(app, sock) as url:
            yield World(
                url=url,
                standin=sb,
                settings=settings,
                upstream=upstream,
                user=user,
                store=store,
                app=app,
                http_client=http_client,
            )


@pytest.fixture
def world() -> Iterator[World]:
    with running_world() as w:
        yield w


@pytest.fixture
def world_factory() -> Callable[..., AbstractContextManager[World]]:
    return running_world


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
        yield client
