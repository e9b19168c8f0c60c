"""The CORS shortcut answers exactly as Starlette's CORSMiddleware does."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from workout_mcp.http.cors import AppCORSMiddleware

OPTIONS: dict[str, Any] = {
    "allow_origins": ["https://claude.ai"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["Authorization", "Content-Type"],
    "expose_headers": ["WWW-Authenticate"],
}


def app_with(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def run(
    middleware: Any, request_headers: list[tuple[bytes, bytes]], method: str = "POST"
) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/mcp",
        "headers": request_headers,
        "query_string": b"",
    }
    await middleware(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    "request_headers",
    [
        [],
        [(b"content-type", b"application/json")],
        [(b"origin", b"https://claude.ai")],
        [(b"origin", b"https://evil.example")],
    ],
)
@pytest.mark.parametrize(
    "response_headers",
    [[], [(b"vary", b"Accept-Encoding")], [(b"content-type", b"application/json")]],
)
async def test_same_answer_as_starlette(
    request_headers: list[tuple[bytes, bytes]], response_headers: list[tuple[bytes, bytes]]
) -> None:
    ours = await run(AppCORSMiddleware(app_with(response_headers), **OPTIONS), request_headers)
    theirs = await run(CORSMiddleware(app_with(response_headers), **OPTIONS), request_headers)
    assert [(m["type"], m.get("status"), sorted(m.get("headers", []))) for m in ours] == [
        (m["type"], m.get("status"), sorted(m.get("headers", []))) for m in theirs
    ]
