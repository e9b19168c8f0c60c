"""The dashboard MCP App in headless Chromium, hosted by the ext-apps SDK's own host side (AppBridge).

A small host page (`apps/dashboard/test-host/host.ts`, bundled here with the dashboard's pinned
esbuild) reads the `ui://` resource from our real server, loads it into a sandboxed iframe under the
CSP the resource declares, completes the ui/initialize handshake, sends the tool input and result of a
`progress_chart` call, and forwards the app's own tool calls to the server. The server is the real
`workout-mcp` process on demo data, over stdio or over HTTP (AUTH_MODE=none, loopback); the page
reaches it through `/relay`, which holds an SDK client session. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from mcp import Client, StdioServerParameters
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.browser.test_consent_browser import ARTIFACTS, chromium, wait
from tests.conftest import service_missing
from tests.e2e.test_stdio import COMMAND, env_for
from tests.live_server import free_port, serve, server_process
from workout_mcp.surface.dashboard import APP_MIME_TYPE, DASHBOARD_URI

pytestmark = [pytest.mark.chromium, pytest.mark.node, pytest.mark.slow]

APP_DIR = Path(__file__).resolve().parents[2] / "apps" / "dashboard"
HOST_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>test host</title></head><body>'
    '<script src="/host.js"></script></body></html>'
)


@pytest.fixture(scope="module")
def host_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or not (APP_DIR / "node_modules" / ".bin" / "esbuild").exists():
        service_missing("the dashboard's Node packages are not installed (npm ci --prefix apps/dashboard)")
    out = tmp_path_factory.mktemp("host") / "host.js"
    done = subprocess.run(
        ["node", "build.mjs", "--host", str(out)], cwd=APP_DIR, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    done = subprocess.run([COMMAND, "demo"], env=env_for(db), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return db


@contextmanager
def http_server(db: Path) -> Iterator[str]:
    env = env_for(db) | {"MCP_TRANSPORT": "http", "AUTH_MODE": "none", "PORT": str(free_port())}
    with server_process(env):
        yield f"http://127.0.0.1:{env['PORT']}/mcp"


def host_app(target: Any, script: Path) -> Starlette:
    """The host page, its script, and /relay: JSON-RPC-shaped calls answered by an SDK client session."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Client(target) as client:
            app.state.client = client
            yield

    async def relay(request: Request) -> Response:
        body = await request.json()
        client: Client = request.app.state.client
        method, params = body["method"], body.get("params") or {}
        if method == "tools/list":
            result: Any = await client.list_tools()
        elif method == "resources/read":
            result = await client.read_resource(params["uri"])
        elif method == "tools/call":
            result = await client.call_tool(params["name"], params.get("arguments") or {})
        else:
            return JSONResponse({"error": f"relay does not forward {method}"}, 400)
        return JSONResponse(result.model_dump(mode="json", by_alias=True, exclude_none=True))

    async def page(request: Request) -> Response:
        return HTMLResponse(HOST_PAGE)

    async def js(request: Request) -> Response:
        return Response(script.read_bytes(), media_type="text/javascript")

    return Starlette(
        routes=[Route("/", page), Route("/host.js", js), Route("/relay", relay, methods=["POST"])],
        lifespan=lifespan,
    )


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_dashboard_renders_in_a_sandboxed_iframe_through_the_app_bridge(
    transport: str, demo_db: Path, host_script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with nullcontext() if transport == "stdio" else http_server(demo_db) as url:
        target: Any = (
            StdioServerParameters(command=COMMAND, args=[], env=env_for(demo_db))
            if transport == "stdio"
            else url
        )
        args = {"exercise": "Bench Press", "metric": "estimated_1rm", "periods": 12}
        # The host's theme reaches the app through the handshake's host context: dark on one run.
        theme = "dark" if transport == "http" else "light"
        query = urlencode(
            {"uri": DASHBOARD_URI, "tool": "progress_chart", "args": json.dumps(args), "theme": theme}
        )
        with serve(host_app(target, host_script)) as host, chromium(tmp_path, monkeypatch) as driver:
            driver.get(f"{host.url}/?{query}")
            # Generous ceilings, not timings: the first chart loads matplotlib in the server process,
            # which takes seconds on a loaded machine.
            log = wait(
                driver,
                lambda d: d.execute_script(
                    "return (window.hostLog.initialized || window.hostLog.errors.length) && window.hostLog"
                ),
                timeout=90,
            )
            assert log["errors"] == []
            assert log["mime"] == APP_MIME_TYPE
            assert log["csp"] == {"connectDomains": [], "resourceDomains": []}
            assert log["app"]["name"] == "workout-mcp-dashboard"

            iframe = driver.find_element(By.ID, "app")
            assert iframe.get_attribute("sandbox") == "allow-scripts"
            driver.switch_to.frame(iframe)
            wait(
                driver,
                lambda d: d.execute_script("return document.body.dataset.ready === 'true'"),
                timeout=90,
            )
            assert "error" not in driver.find_element(By.ID, "status").get_attribute("class")
            sessions = driver.find_elements(By.CSS_SELECTOR, "#sessions-body tbody tr")
            records = driver.find_elements(By.CSS_SELECTOR, "#records-body tbody tr")
            bars = driver.find_elements(By.CSS_SELECTOR, "#week-body .bar")
            week_text = driver.find_element(By.ID, "week-body").text
            exercise = driver.find_element(By.ID, "exercise").get_attribute("value")
            drawn = len(driver.find_elements(By.CSS_SELECTOR, "#chart circle.point"))
            options = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#exercise option")]
            applied = driver.execute_script("return document.documentElement.getAttribute('data-theme')")
            driver.switch_to.default_content()
            ARTIFACTS.mkdir(exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / f"dashboard-{transport}.png"))
            calls = driver.execute_script("return window.hostLog.calls")

            # Switching the exercise asks the server again, through the bridge.
            switch_to = next(o for o in options if o != "Bench Press")
            driver.switch_to.frame(iframe)
            Select(driver.find_element(By.ID, "exercise")).select_by_visible_text(switch_to)
            driver.switch_to.default_content()
            wait(
                driver,
                lambda d: d.execute_script("return window.hostLog.calls").count("progress_chart") >= 2,
                timeout=60,
            )
    assert {"list_workouts", "personal_records", "training_summary", "progress_chart"} <= set(calls)
    assert 1 <= len(sessions) <= 6 and len(records) >= 5
    # One bar per muscle group trained this week, as the server counts them (none early on a Monday).
    groups = this_weeks_muscle_groups(demo_db)
    assert len(bars) == groups
    assert groups > 0 or week_text == "Nothing logged this week yet."
    assert applied == theme
    assert exercise == "Bench Press"  # the tool result that opened the dashboard picked the exercise
    # What the app drew is what the server says, asked here without the browser.
    assert drawn == expected_points(demo_db, args) > 0


def expected_points(db: Path, args: dict[str, Any]) -> int:
    import asyncio

    async def ask() -> int:
        params = StdioServerParameters(command=COMMAND, args=[], env=env_for(db))
        async with Client(params) as client:
            result = await client.call_tool("progress_chart", args | {"include_image": False})
        assert result.structured_content is not None
        return len(result.structured_content["points"])

    return asyncio.run(ask())


def this_weeks_muscle_groups(db: Path) -> int:
    import asyncio

    async def ask() -> int:
        params = StdioServerParameters(command=COMMAND, args=[], env=env_for(db))
        async with Client(params) as client:
            result = await client.call_tool("training_summary", {"period": "week", "periods": 1})
        assert result.structured_content is not None
        periods = result.structured_content["periods"]
        return len(periods[-1]["volume_by_muscle_group"]) if periods else 0

    return asyncio.run(ask())
