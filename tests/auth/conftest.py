"""The server under test (real `create_app`, auth on) in front of the Supabase stand-in, both on uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.recording_store import RecordingStore
from tests.standin import fixtures as standin_fixtures
from tests.standin.fixtures import Standin, bound_socket, serve_on_socket
from tests.standin.state import User
from workout_mcp.app import create_app
from workout_mcp.auth.verifier import SupabaseTokenVerifier
from workout_mcp.config import Settings, load_settings

CLIENT_ID = "9b0e5c1e-4a57-4c1e-9d55-3c5b1a7f0c11"
OTHER_CLIENT_ID = "1f0d8a44-0b8e-4f35-8f7e-2a4e61f2b9aa"
SECRET_KEY = "k3Q9vX2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8"


def auth_settings(sb: Standin, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "mcp_transport": "http",
        "host": "127.0.0.1",
        "port": port,
        "supabase_url": sb.url,
        "supabase_anon_key": sb.anon_key,
        "oauth_client_id": CLIENT_ID,
        "oauth_client_secret": "test-client-secret",
        "secret_key": SECRET_KEY,
        "rate_limit_enabled": False,
        "jwt_leeway_seconds": 10,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class AuthServer:
    url: str
    standin: Standin
    verifier: SupabaseTokenVerifier
    store: RecordingStore
    settings: Settings
    user: User
    app: Any = field(repr=False)

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def token(self, user: User | None = None, **overrides: Any) -> str:
        overrides.setdefault("client_id", CLIENT_ID)
        return self.standin.mint(user or self.user, **overrides)


def verifier_of(app: Any) -> SupabaseTokenVerifier:
    services = app.state.services
    found = getattr(services, "token_verifier", None) or services.health_checks["jwks"].__self__
    assert isinstance(found, SupabaseTokenVerifier)
    return found


@contextmanager
def run_auth_server(sb: Standin, **overrides: Any) -> Iterator[AuthServer]:
    """`create_app` with auth on, its verifier on the stand-in's clock, served on a free loopback port."""
    store = RecordingStore()
    with bound_socket() as sock:
        settings = auth_settings(sb, sock.getsockname()[1], **overrides)
        app = create_app(settings, store=store)  # type: ignore[arg-type]
        verifier = verifier_of(app)
        verifier.clock = verifier.jwks.clock = sb.state.clock
        user = sb.add_user("lifter@example.com")
        with serve_on_socket(app, sock) as url:
            yield AuthServer(url, sb, verifier, store, settings, user, app)


standin = standin_fixtures.standin


@pytest.fixture
def server(standin: Standin) -> Iterator[AuthServer]:
    with run_auth_server(standin) as running:
        yield running
