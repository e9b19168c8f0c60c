"""`cryptography.x509`, which PyJWT imports for certificate keys we never read, stays unloaded through a
server's start and a bearer-authenticated call, and loads as usual the moment something uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workout_mcp.lazy_import import defer_import

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import workout_mcp.app  # first, as the server builds it; the test helpers below import PyJWT
import httpx
from tests.http.test_lazy_routes import CLIENT_ID, settings_for
from tests.live_server import serve
from tests.standin.fixtures import run_standin
from workout_mcp.app import create_app

state = lambda: type(sys.modules.get("cryptography.x509")).__name__
out = {}
with run_standin() as standin:
    token = standin.mint(standin.add_user("x509@example.com"), client_id=CLIENT_ID)
    with serve(create_app(settings_for(standin.url, standin.anon_key))) as server:
        answer = httpx.post(
            f"{server.url}/mcp",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream",
                     "MCP-Protocol-Version": "2025-11-25"},
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            timeout=30,
        )
        out["status"] = answer.status_code
        out["tools"] = len(answer.json()["result"]["tools"])
        out["after a call"] = state()
import jwt.algorithms
out["used"] = callable(jwt.algorithms.x509.load_der_x509_certificate)
out["after use"] = state()
out["a certificate class"] = sys.modules["cryptography.x509"].Certificate.__name__
print(json.dumps(out))
"""


def test_x509_stays_unloaded_through_an_authenticated_call_and_loads_when_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert (out["status"], out["tools"] >= 20) == (200, True)
    assert out["after a call"] == "_LazyModule"
    assert out["used"] and out["after use"] == "module"
    assert out["a certificate class"] == "Certificate"


def test_a_module_already_imported_or_unknown_is_left_alone() -> None:
    assert "json" in sys.modules
    assert defer_import("json") is False
    assert type(sys.modules["json"]).__name__ == "module"
    assert defer_import("workout_mcp_no_such_module") is False
    assert "workout_mcp_no_such_module" not in sys.modules


def test_a_deferred_module_is_the_real_one_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    assert defer_import("colorsys") is True
    lazy = sys.modules["colorsys"]
    assert type(lazy).__name__ == "_LazyModule"
    import colorsys

    assert colorsys is lazy
    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert type(lazy).__name__ == "module"
