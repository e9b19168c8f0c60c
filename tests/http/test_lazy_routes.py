"""The sign-in side (OAuth facade, consent page, `/account`) is built on its first request, not at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

from tests.standin.fixtures import run_standin
from workout_mcp.app import IDENTITY_PATHS, create_app
from workout_mcp.config import Settings, load_settings
from workout_mcp.http.lazy_routes import LazyRoutes

SIGN_IN_MODULES = ("workout_mcp.auth.oauth", "workout_mcp.auth.consent", "workout_mcp.auth.account", "jinja2")
SECRET = "lazy-routes-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
CLIENT_ID = "6f1f8f0e-2b7c-4d5e-9a41-000000000001"

PROBE = f"""
import sys
from workout_mcp.app import create_app
from workout_mcp.config import Settings, load_settings
from starlette.testclient import TestClient
settings = load_settings(
    _env_file=None, mcp_transport="http", auth_mode="supabase", supabase_url="http://127.0.0.1:9",
    supabase_anon_key="anon-key-0123456789abcdef", oauth_client_id="{CLIENT_ID}",
    oauth_client_secret="client-secret", secret_key="{SECRET}", metrics_port=0,
    workout_db_path=sys.argv[1],
)
app = create_app(settings)
loaded = lambda: sorted(m for m in sys.modules if m.startswith({SIGN_IN_MODULES!r}))
print(loaded())
with TestClient(app) as client:
    print(client.get("/mcp").status_code, client.get("/health").status_code, loaded())
    print(client.get("/.well-known/oauth-authorization-server").status_code, loaded())
"""


def test_building_the_app_loads_nothing_of_the_sign_in_side_until_it_is_asked_for(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "w.db")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    at_start, after_mcp, after_metadata = done.stdout.strip().splitlines()
    assert at_start == "[]"
    assert after_mcp.split(" ", 2)[2] == "[]"  # /mcp and /health do not build it either
    status, modules = after_metadata.split(" ", 1)
    assert status == "200"
    assert all(name in modules for name in SIGN_IN_MODULES[:3])


def settings_for(
    supabase_url: str = "http://127.0.0.1:9", anon_key: str = "anon-key-0123456789abcdef"
) -> Settings:
    return load_settings(
        _env_file=None,
        mcp_transport="http",
        auth_mode="supabase",
        supabase_url=supabase_url,
        supabase_anon_key=anon_key,
        oauth_client_id=CLIENT_ID,
        oauth_client_secret="client-secret",
        secret_key=SECRET,
        metrics_port=0,
    )


def sign_in_app() -> tuple[Starlette, LazyRoutes]:
    app = create_app(settings_for())
    (lazy,) = [route for route in app.routes if isinstance(route, LazyRoutes)]
    return app, lazy


def test_the_declared_paths_are_exactly_the_paths_it_builds() -> None:
    _, lazy = sign_in_app()
    assert not lazy.built
    router = lazy.router()  # refuses to build when the two lists differ
    assert sorted(route.path for route in router.routes if isinstance(route, Route)) == sorted(IDENTITY_PATHS)


def test_a_build_that_differs_from_the_declared_paths_is_refused() -> None:
    def build() -> list[BaseRoute]:
        return [Route("/a", PlainTextResponse("a")), Route("/c", PlainTextResponse("c"))]

    with pytest.raises(RuntimeError, match="declared"):
        LazyRoutes(["/a", "/b"], build).router()


async def test_wrong_methods_and_trailing_slashes_are_answered_as_by_the_apps_router() -> None:
    app, lazy = sign_in_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as client:
        wrong = await client.get("/oauth/token")
        slash = await client.post("/oauth/token/")
        missing = await client.get("/oauth/nothing-here")
    assert (wrong.status_code, wrong.headers["allow"], wrong.text) == (405, "POST", "Method Not Allowed")
    assert slash.status_code == 307 and slash.headers["location"] == "http://127.0.0.1/oauth/token"
    assert missing.status_code == 404
    assert lazy.built


async def test_the_facade_answers_through_the_lazy_routes_against_the_stand_in() -> None:
    with run_standin() as standin:
        app = create_app(settings_for(standin.url, standin.anon_key))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            metadata = await client.get("/.well-known/oauth-authorization-server")
            registered = await client.post(
                "/oauth/register",
                json={"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "client_name": "probe"},
            )
    assert metadata.status_code == 200 and metadata.json()["registration_endpoint"].endswith(
        "/oauth/register"
    )
    assert registered.status_code == 201 and registered.json()["client_id"]
