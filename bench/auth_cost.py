"""Per-request cost of bearer authentication, in-process: warm verified-token cache vs a signature check.

    .venv/bin/python bench/auth_cost.py [--iterations 20000] [--rounds 3] [--rps]

Medians in microseconds. "verify (warm)" is `SupabaseTokenVerifier.verify` on a token seen before (a
dict lookup); "verify (cold)" is a token never seen (JWKS already cached: parse + signature + claims);
"middleware (warm)" is the whole `BearerAuthMiddleware.__call__` around a no-op app, minus the bare
no-op app. The JWKS is served by an in-memory httpx transport: no sockets.

`--rps` also serves the real `create_app` on uvicorn (127.0.0.1, the Supabase stand-in for the JWKS,
a store that returns an empty page) and reports authenticated `tools/call` requests per second
against the same app with AUTH_MODE=none: one token, 8 concurrent clients, median of `--rounds`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.standin.keys import KeySet, SigningKey, access_token_claims, sign

from workout_mcp.auth.jwks import JwksCache
from workout_mcp.auth.middleware import BearerAuthMiddleware
from workout_mcp.auth.verifier import SupabaseTokenVerifier

ISSUER = "https://bench.supabase.co/auth/v1"
CLIENT_ID = "bench-client"


def make_verifier(keys: KeySet) -> SupabaseTokenVerifier:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=keys.jwks(), headers={"Cache-Control": "public, max-age=600"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    jwks = JwksCache(http, f"{ISSUER}/.well-known/jwks.json")
    return SupabaseTokenVerifier(jwks, issuer=ISSUER, client_id=CLIENT_ID, cache_size=1_000_000)


def mint(key: SigningKey, n: int) -> list[str]:
    return [
        sign(
            access_token_claims(issuer=ISSUER, sub=f"00000000-0000-0000-0000-{i:012d}", client_id=CLIENT_ID),
            key,
        )
        for i in range(n)
    ]


async def per_call_us(fn: Any, args: list[Any]) -> float:
    samples = []
    for arg in args:
        start = time.perf_counter_ns()
        await fn(arg)
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


async def noop_app(scope: Any, receive: Any, send: Any) -> None:
    return None


async def noop_send(message: Any) -> None:
    return None


async def noop_receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


def scope_for(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/mcp",
        "headers": [(b"content-type", b"application/json"), (b"authorization", f"Bearer {token}".encode())],
    }


async def measure(alg: str, iterations: int) -> dict[str, float]:
    key = SigningKey.es256() if alg == "ES256" else SigningKey.rs256()
    keys = KeySet(signing=key)
    verifier = make_verifier(keys)
    warm_token = mint(key, 1)[0]
    await verifier.verify(warm_token)  # fetches the JWKS and caches the verdict
    cold_tokens = mint(key, max(iterations // 10, 500))
    middleware = BearerAuthMiddleware(
        noop_app,
        verifier=verifier,
        resource_metadata_url="https://x/.well-known/oauth-protected-resource/mcp",
    )
    warm_scope = scope_for(warm_token)

    async def through_middleware(scope: dict[str, Any]) -> None:
        await middleware(dict(scope), noop_receive, noop_send)

    async def bare(scope: dict[str, Any]) -> None:
        await noop_app(dict(scope), noop_receive, noop_send)

    warm = await per_call_us(verifier.verify, [warm_token] * iterations)
    cold = await per_call_us(verifier.verify, cold_tokens)
    mw = await per_call_us(through_middleware, [warm_scope] * iterations)
    baseline = await per_call_us(bare, [warm_scope] * iterations)
    assert verifier.signature_checks == 1 + len(cold_tokens)
    return {"warm": warm, "cold": cold, "middleware": max(mw - baseline, 0.0)}


async def tools_call_rps(auth: bool, requests: int, concurrency: int = 8) -> float:
    from tests.auth.conftest import CLIENT_ID as TEST_CLIENT
    from tests.auth.conftest import RecordingStore, auth_settings
    from tests.standin.fixtures import bound_socket, run_standin, serve_on_socket

    from workout_mcp.app import create_app

    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "list_workouts", "arguments": {}},
    }
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    with run_standin() as sb, bound_socket() as sock:
        settings = auth_settings(sb, sock.getsockname()[1], auth_mode="supabase" if auth else "none")
        if auth:
            headers["Authorization"] = "Bearer " + sb.mint(
                sb.add_user("bench@example.com"), client_id=TEST_CLIENT
            )
        with serve_on_socket(create_app(settings, store=RecordingStore()), sock) as url:  # type: ignore[arg-type]
            async with httpx.AsyncClient(base_url=url, headers=headers) as http:

                async def worker(n: int) -> None:
                    for _ in range(n):
                        response = await http.post("/mcp", json=body)
                        assert response.status_code == 200, response.status_code

                await worker(20)  # warm-up: JWKS fetch, verdict cached, connections open
                start = time.perf_counter()
                await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))
                return (requests // concurrency * concurrency) / (time.perf_counter() - start)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rps", action="store_true", help="also measure tools/call req/s, auth on vs off")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the access and audit lines would dominate the timing
    print(
        f"Python {sys.version.split()[0]}, {args.iterations} iterations, median of {args.rounds} rounds (µs)"
    )
    print(
        f"{'alg':<6} {'verify (warm)':>14} {'verify (cold)':>14} {'middleware (warm)':>18} {'cold/warm':>10}"
    )
    for alg in ("ES256", "RS256"):
        rounds = [await measure(alg, args.iterations) for _ in range(args.rounds)]
        warm = statistics.median(r["warm"] for r in rounds)
        cold = statistics.median(r["cold"] for r in rounds)
        mw = statistics.median(r["middleware"] for r in rounds)
        print(f"{alg:<6} {warm:>14.2f} {cold:>14.1f} {mw:>18.2f} {cold / warm:>9.0f}x")
    if args.rps:
        print(
            f"\ntools/call on uvicorn, 127.0.0.1, {args.requests} requests, median of {args.rounds} (req/s)"
        )
        results = {}
        for auth in (False, True):
            results[auth] = statistics.median(
                [await tools_call_rps(auth, args.requests) for _ in range(args.rounds)]
            )
        print(f"{'auth off':<10} {results[False]:>8.0f}")
        print(f"{'auth on':<10} {results[True]:>8.0f}   ({(results[True] / results[False] - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    asyncio.run(main())
