"""The server ships on uvloop and httptools, and falls back to asyncio and h11 where they cannot load."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from tests.clients.support import server_process
from workout_mcp.server import event_loop_and_parser

MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
CALL = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "search_exercises", "arguments": {}},
    }
)


def start_line(log: Path) -> dict[str, object]:
    for line in log.read_text().splitlines():
        if line.startswith("{") and json.loads(line).get("message") == "starting http server":
            return dict(json.loads(line))
    raise AssertionError(f"no start line in {log.read_text()[-2000:]}")


def test_uvloop_and_httptools_load_where_the_wheels_are_installed() -> None:
    assert event_loop_and_parser() == ("uvloop", "httptools")


@pytest.mark.parametrize("blocked", [(), ("uvloop", "httptools")])
def test_the_server_answers_on_either_loop_and_parser(tmp_path: Path, blocked: tuple[str, ...]) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for module in blocked:  # what a platform without the wheels sees
        (shadow / f"{module}.py").write_text(f"raise ImportError('{module} is not available here')\n")
    with server_process(tmp_path / "run", PYTHONPATH=str(shadow), LOG_LEVEL="INFO") as server:
        answer = httpx.post(server.mcp_url, content=CALL, headers=MCP_HEADERS, timeout=10)
        assert answer.status_code == 200 and not answer.json()["result"].get("isError"), answer.text
        # RFC 9110 §5.5: surrounding whitespace is not part of a field value, whichever parser reads it.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:  # h11 would refuse
            raw.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: req-123456 \t\r\n\r\n")
            head = raw.recv(65536).split(b"\r\n\r\n", 1)[0].lower()
        assert b"x-request-id: req-123456" in head.split(b"\r\n"), head
        line = start_line(server.log)
    expected = ("asyncio", "h11") if blocked else ("uvloop", "httptools")
    assert (line["loop"], line["http"]) == expected
