"""A bounded keep-alive HTTP/1.1 load generator for one JSON-RPC `tools/call`, with every answer checked.

Raw asyncio streams rather than an HTTP client library, so the generator's own cost per request stays far
below the server's (it shares a 2-core machine with the server under test). Each of `concurrency`
connections sends its next request when the previous answer has arrived (closed loop); a run stops after
`requests` answers or `max_seconds`, whichever comes first. An answer counts only when it is a 200 with a
JSON-RPC result whose text is exactly the echo of that request's own argument.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

PROTOCOL_VERSION = "2025-11-25"


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    first_error: str | None = None
    server_cpu_s: float | None = None  # CPU time the server process spent during the run, when measured
    client_cpu_s: float = 0.0  # CPU time of the load generator's process during the run

    @property
    def cpu_us_per_request(self) -> float:
        if self.server_cpu_s is None or not self.ok:
            return float("nan")
        return self.server_cpu_s * 1e6 / self.ok

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, float | int | str | None]:
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(0.50), 3),
            "p99_ms": round(self.percentile(0.99), 3),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 3) if self.latencies_ms else None,
            "server_cpu_us_per_request": round(self.cpu_us_per_request, 1),
            "client_cpu_us_per_request": round(self.client_cpu_s * 1e6 / self.ok, 1) if self.ok else None,
            "first_error": self.first_error,
        }


def tools_call_request(host: str, path: str, token: str | None, request_id: int, text: str) -> bytes:
    """A legacy-era (2025-11-25) stateless `tools/call bench_echo` as Claude would send it."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": "bench_echo", "arguments": {"text": text}},
        },
        separators=(",", ":"),
    ).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}"
        "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        f"MCP-Protocol-Version: {PROTOCOL_VERSION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def check_answer(status: int, body: bytes, request_id: int, text: str) -> str | None:
    """None when the answer is right; otherwise why not."""
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    try:
        message = json.loads(body)
        result = message["result"]
        got = result["content"][0]["text"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return f"not a tools/call result ({exc!r}): {body[:200]!r}"
    if message.get("id") != request_id or result.get("isError") or got != text:
        return f"wrong answer for id {request_id}: {body[:200]!r}"
    return None


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return status, b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    raise ValueError("response without Content-Length or chunked body (keep-alive impossible)")


async def run_load(
    host: str,
    port: int,
    *,
    path: str = "/mcp",
    tokens: Sequence[str | None],
    concurrency: int,
    requests: int,
    max_seconds: float,
    tag: str = "r",
) -> LoadResult:
    """`requests` checked tools/calls over `concurrency` keep-alive connections, users round-robin."""
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    issued = 0
    hostport = f"{host}:{port}"
    deadline = time.perf_counter() + max_seconds

    async def worker(index: int) -> None:
        nonlocal issued, errors, first_error
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while issued < requests and time.perf_counter() < deadline:
                n = issued
                issued += 1
                text = f"{tag}-{n}"
                token = tokens[n % len(tokens)]
                payload = tools_call_request(hostport, path, token, n + 1, text)
                started = time.perf_counter()
                writer.write(payload)
                status, body = await read_response(reader)
                elapsed = (time.perf_counter() - started) * 1000
                problem = check_answer(status, body, n + 1, text)
                if problem is None:
                    latencies.append(elapsed)
                else:
                    errors += 1
                    first_error = first_error or problem
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    return LoadResult(
        concurrency=concurrency,
        requests=issued,
        ok=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=latencies,
        first_error=first_error,
        client_cpu_s=client_cpu,
    )


async def first_success(
    host: str, port: int, token: str | None, *, deadline: float, path: str = "/mcp"
) -> float | None:
    """Poll until one checked tools/call succeeds; returns `time.perf_counter()` at that answer."""
    attempt = 0
    while time.perf_counter() < deadline:
        attempt += 1
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.005)  # polling for the port, bounded by `deadline`
            continue
        try:
            writer.write(tools_call_request(f"{host}:{port}", path, token, attempt, f"cold-{attempt}"))
            status, body = await read_response(reader)
            if check_answer(status, body, attempt, f"cold-{attempt}") is None:
                return time.perf_counter()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
        await asyncio.sleep(0.005)  # the app answered but not yet correctly (lifespan starting): poll again
    return None
