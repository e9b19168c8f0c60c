"""Clients no one here wrote, through the bearer-authenticated HTTP endpoint: the MCP Inspector CLI,
mcp-remote (the stdio bridge Claude Desktop users run) and the SDK's own client, in legacy and auto mode.

The server is the real `create_app` with auth on, its tokens minted by the Supabase stand-in (ES256 over
JWKS), data in the local SQLite store keyed by the token's `sub`, served by uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.clients.support import node_env, run_tool, tool
from tests.standin.fixtures import Standin, bound_socket, run_standin, serve_on_socket
from tests.standin.state import User
from workout_mcp.app import create_app
from workout_mcp.config import load_settings
from workout_mcp.store.local import LocalStore
from workout_mcp.store.selection import request_user_id

pytestmark = [pytest.mark.node, pytest.mark.slow]

CLIENT_ID = "9b0e5c1e-4a57-4c1e-9d55-3c5b1a7f0c11"
SECRET_KEY = "k3Q9vX2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8"
TOOL_TIMEOUT = 90.0
SQUAT_SETS = [
    {"exercise": "Squat", "reps": 5, "weight_kg": 100},
    {"exercise": "Squat", "reps": 3, "weight_kg": 110},
]


@dataclass
class AuthedServer:
    url: str
    standin: Standin
    protocol_versions: list[str]

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def user_and_token(self, email: str) -> tuple[User, str]:
        user = self.standin.add_user(email)
        return user, self.standin.mint(user, client_id=CLIENT_ID)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthedServer]:
    db = tmp_path_factory.mktemp("clients") / "workouts.db"
    with run_standin() as standin, bound_socket() as sock:
        settings = load_settings(
            _env_file=None,
            mcp_transport="http",
            host="127.0.0.1",
            port=sock.getsockname()[1],
            supabase_url=standin.url,
            supabase_anon_key=standin.anon_key,
            oauth_client_id=CLIENT_ID,
            oauth_client_secret="real-clients-secret",
            secret_key=SECRET_KEY,
            log_level="WARNING",
        )
        app = create_app(settings, store=LocalStore(db, user_id=request_user_id))
        seen: list[str] = []

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            """Notes each request's MCP-Protocol-Version header: which era a client really spoke."""
            if scope["type"] == "http" and scope["path"].startswith("/mcp"):
                for name, value in scope["headers"]:
                    if name == b"mcp-protocol-version":
                        seen.append(value.decode())
            await app(scope, receive, send)

        with serve_on_socket(recording, sock) as url:
            yield AuthedServer(url=url, standin=standin, protocol_versions=seen)


def inspector(server: AuthedServer, token: str, home: Path, *args: str) -> Any:
    done = run_tool(
        [
            tool("mcp-inspector"),
            "--cli",
            server.mcp_url,
            "--transport",
            "http",
            "--header",
            f"Authorization: Bearer {token}",
            *args,
        ],
        home=home,
        timeout=TOOL_TIMEOUT,
    )
    assert done.returncode == 0, f"inspector {args[:2]} exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


def test_inspector_cli_lists_logs_and_reads_records(server: AuthedServer, tmp_path: Path) -> None:
    _, token = server.user_and_token("inspector@example.com")
    home = tmp_path / "home"

    listed = inspector(server, token, home, "--method", "tools/list")
    names = {t["name"] for t in listed["tools"]}
    assert {"log_workout", "personal_records", "list_workouts"} <= names

    logged = inspector(
        server,
        token,
        home,
        "--method",
        "tools/call",
        "--tool-name",
        "log_workout",
        "--tool-arg",
        "started_at=2026-05-01T18:00:00Z",
        f"sets={json.dumps(SQUAT_SETS)}",
        "title=Inspector squats",
    )
    assert logged.get("isError") is not True, logged
    assert logged["structuredContent"]["title"] == "Inspector squats"

    records = inspector(
        server,
        token,
        home,
        "--method",
        "tools/call",
        "--tool-name",
        "personal_records",
        "--tool-arg",
        "exercise=squat",
    )
    assert records.get("isError") is not True, records
    assert records["structuredContent"]["heaviest_set"]["weight"] == 110


def test_inspector_cli_without_token_is_sent_to_oauth(server: AuthedServer, tmp_path: Path) -> None:
    """The 401 challenge leads the Inspector into its OAuth flow (which needs a TTY, so it stops there)."""
    done = run_tool(
        [tool("mcp-inspector"), "--cli", server.mcp_url, "--transport", "http", "--method", "tools/list"],
        home=tmp_path / "home",
        timeout=TOOL_TIMEOUT,
    )
    assert done.returncode != 0
    assert '"code":"auth_required"' in done.stdout + done.stderr, done.stdout + done.stderr


async def log_then_read_records(client: Client, title: str) -> dict[str, Any]:
    names = {t.name for t in (await client.list_tools()).tools}
    assert {"log_workout", "personal_records"} <= names
    logged = await client.call_tool(
        "log_workout", {"started_at": "2026-05-02T07:30:00Z", "sets": SQUAT_SETS, "title": title}
    )
    assert not logged.is_error, logged
    records = await client.call_tool("personal_records", {"exercise": "squat"})
    assert not records.is_error, records
    assert records.structured_content is not None
    return records.structured_content


@pytest.mark.parametrize("protocol", ["legacy", "auto"])
async def test_mcp_remote_bridges_stdio_to_the_authenticated_endpoint(
    server: AuthedServer, tmp_path: Path, protocol: str
) -> None:
    user, token = server.user_and_token(f"remote-{protocol}@example.com")
    params = StdioServerParameters(
        command=str(tool("mcp-remote")),
        args=[
            server.mcp_url,
            "--header",
            f"Authorization: Bearer {token}",
            "--allow-http",
            "--transport",
            "http-only",
            "--protocol",
            protocol,
        ],
        env=node_env(tmp_path / "home"),
    )
    server.protocol_versions.clear()
    async with Client(params, mode="legacy", read_timeout_seconds=TOOL_TIMEOUT) as client:
        records = await log_then_read_records(client, f"mcp-remote {protocol}")
    assert records["heaviest_set"]["weight"] == 110
    # The bridge's upstream era: legacy stays on 2025-11-25; auto discovers and speaks 2026-07-28.
    expected = "2025-11-25" if protocol == "legacy" else "2026-07-28"
    assert expected in server.protocol_versions, server.protocol_versions
    # mcp-remote keeps its state under HOME (the temp dir), never in the repository.
    assert not (Path.cwd() / ".mcp-auth").exists()
    _ = user


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_over_bearer_http(server: AuthedServer, mode: str) -> None:
    user, token = server.user_and_token(f"sdk-{mode}@example.com")
    server.protocol_versions.clear()
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        transport = streamable_http_client(server.mcp_url, http_client=http)
        async with Client(transport, mode=mode) as client:  # type: ignore[arg-type]
            records = await log_then_read_records(client, f"sdk {mode}")
            workouts = await client.call_tool("list_workouts", {})
    assert records["heaviest_set"]["weight"] == 110
    # Each user sees only their own log: exactly the one session this test wrote.
    assert workouts.structured_content is not None
    assert [w["title"] for w in workouts.structured_content["workouts"]] == [f"sdk {mode}"]
    assert ("2026-07-28" if mode == "auto" else "2025-11-25") in server.protocol_versions
    _ = user
