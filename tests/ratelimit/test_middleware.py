"""The middleware on a tiny Starlette app, against both backends: keys, counting, answers, headers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
import pytest

from tests.ratelimit.conftest import LimiterFactory
from tests.ratelimit.support import FakeClock, make_app, tool_call
from workout_mcp.ratelimit import LimiterUnavailable, Policy, RateLimits
from workout_mcp.ratelimit.window import Decision

RATELIMIT = re.compile(r'^"hour";r=(\d+);t=(\d+)$')
ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
def client_for(make_limiter: LimiterFactory) -> ClientFactory:
    def build(per_hour: int = 100, per_minute: int = 30, client_ip: str = "127.0.0.1", **options: object):
        limits = RateLimits(
            mcp=make_limiter(Policy.per_hour(per_hour)), oauth=make_limiter(Policy.per_minute(per_minute))
        )
        transport = httpx.ASGITransport(app=make_app(limits, **options), client=(client_ip, 5000))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    return build


def as_user(sub: str) -> dict[str, str]:
    return {"x-test-user": sub, "content-type": "application/json"}


async def test_seed_acceptance_100_pass_101st_is_429_second_user_unaffected_window_slides(
    client_for: ClientFactory, clock: FakeClock
) -> None:
    async with client_for() as client:
        for i in range(100):
            response = await client.post("/mcp", content=tool_call(i), headers=as_user("alice"))
            assert response.status_code == 200, i
            clock.advance(6)
        clock.advance(-6)
        refused = await client.post("/mcp", content=tool_call("req-101"), headers=as_user("alice"))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "3006"
        body = refused.json()
        assert body["jsonrpc"] == "2.0"
        assert body["id"] == "req-101"
        assert (
            body["error"]["message"] == "Rate limit exceeded: 100 tool calls per hour; retry in 51 minutes."
        )
        assert refused.headers["ratelimit"] == '"hour";r=0;t=3006'
        assert "received" not in body

        assert (await client.post("/mcp", content=tool_call(), headers=as_user("bob"))).status_code == 200

        clock.advance(3005)
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 429
        clock.advance(1)
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 200


async def test_refusal_message_reads_in_minutes(client_for: ClientFactory, clock: FakeClock) -> None:
    async with client_for(per_hour=100) as client:
        for _ in range(100):
            await client.post("/mcp", content=tool_call(), headers=as_user("alice"))
        clock.advance(3600 - 12 * 60)
        refused = await client.post("/mcp", content=tool_call(7), headers=as_user("alice"))
    assert refused.headers["retry-after"] == "720"
    assert (
        refused.json()["error"]["message"]
        == "Rate limit exceeded: 100 tool calls per hour; retry in 12 minutes."
    )
    assert refused.json()["id"] == 7


async def test_allowed_answers_carry_well_formed_ratelimit_headers(
    client_for: ClientFactory, clock: FakeClock
) -> None:
    async with client_for() as client:
        first = await client.post("/mcp", content=tool_call(), headers=as_user("alice"))
        clock.advance(1800)
        second = await client.post("/mcp", content=tool_call(), headers=as_user("alice"))
    assert first.headers["ratelimit-policy"] == '"hour";q=100;w=3600'
    assert first.headers["ratelimit"] == '"hour";r=99;t=3600'
    match = RATELIMIT.match(second.headers["ratelimit"])
    assert match is not None
    assert (int(match[1]), int(match[2])) == (98, 1800)


async def test_only_tool_calls_count_by_default(client_for: ClientFactory) -> None:
    initialize = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}).encode()
    async with client_for(per_hour=2) as client:
        for _ in range(5):
            response = await client.post("/mcp", content=initialize, headers=as_user("alice"))
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
            assert response.headers["ratelimit-policy"] == '"hour";q=2;w=3600'
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 200
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 200
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 429


async def test_count_all_counts_every_post(client_for: ClientFactory) -> None:
    ping = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    async with client_for(per_hour=2, count="all") as client:
        assert (await client.post("/mcp", content=ping, headers=as_user("alice"))).status_code == 200
        assert (await client.post("/mcp", content=b"not json", headers=as_user("alice"))).status_code == 200
        refused = await client.post("/mcp", content=ping, headers=as_user("alice"))
    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith("Rate limit exceeded: 2 requests per hour;")
    assert refused.json()["id"] == 1


async def test_mcp_method_header_counts_without_reading_the_body(client_for: ClientFactory) -> None:
    headers = {**as_user("alice"), "mcp-method": "tools/call"}
    async with client_for(per_hour=1) as client:
        assert (await client.post("/mcp", content=tool_call(1), headers=headers)).status_code == 200
        refused = await client.post("/mcp", content=tool_call(2), headers=headers)
    assert refused.status_code == 429
    assert refused.json()["id"] == 2


async def test_a_lying_mcp_method_header_does_not_skip_the_count(client_for: ClientFactory) -> None:
    headers = {**as_user("alice"), "mcp-method": "ping"}
    async with client_for(per_hour=1) as client:
        assert (await client.post("/mcp", content=tool_call(), headers=headers)).status_code == 200
        assert (await client.post("/mcp", content=tool_call(), headers=headers)).status_code == 429


async def test_peeked_body_is_replayed_byte_for_byte(client_for: ClientFactory) -> None:
    body = tool_call("é") + b"  \n\t" + bytes(range(256)) * 3
    chunks = [body[i : i + 100] for i in range(0, len(body), 100)]

    async def stream():
        for chunk in chunks:
            yield chunk

    async with client_for() as client:
        streamed = await client.post("/mcp", content=stream(), headers=as_user("alice"))
        whole = await client.post("/mcp", content=body, headers=as_user("alice"))
    for response in (streamed, whole):
        assert response.status_code == 200
        assert response.json()["received"].encode("latin-1") == body


async def test_malformed_and_oversized_bodies_pass_through_uncounted(client_for: ClientFactory) -> None:
    async with client_for(per_hour=1, max_body_bytes=1024) as client:
        for content in (b"{", b"[1,2", b"\xff\xfe", b"[" * 100_000, tool_call() + b" " * 2000):
            response = await client.post("/mcp", content=content, headers=as_user("alice"))
            assert response.status_code == 200
            assert response.json()["length"] == len(content)
        assert (await client.post("/mcp", content=tool_call(), headers=as_user("alice"))).status_code == 200


async def test_unauthenticated_mcp_is_left_to_auth_and_local_mode_uses_one_key(
    client_for: ClientFactory,
) -> None:
    async with client_for(per_hour=1) as client:
        for _ in range(3):
            response = await client.post(
                "/mcp", content=tool_call(), headers={"content-type": "application/json"}
            )
            assert response.status_code == 200
    async with client_for(per_hour=1, local_user="local") as client:
        assert (await client.post("/mcp", content=tool_call())).status_code == 200
        assert (await client.post("/mcp", content=tool_call())).status_code == 429


async def test_get_and_other_paths_are_not_limited(client_for: ClientFactory) -> None:
    async with client_for(per_hour=1, count="all") as client:
        for _ in range(3):
            assert (await client.get("/mcp", headers=as_user("alice"))).status_code == 200
            assert (await client.get("/other", headers=as_user("alice"))).status_code == 200


async def test_oauth_is_limited_per_socket_peer_with_an_oauth_error(client_for: ClientFactory) -> None:
    async with client_for(per_minute=2, client_ip="203.0.113.9") as client:
        spoof = {"fly-client-ip": "198.51.100.1", "x-forwarded-for": "198.51.100.2"}
        assert (await client.post("/oauth/token", headers=spoof)).status_code == 200
        ok = await client.post("/oauth/token", headers={"fly-client-ip": "198.51.100.3"})
        assert ok.headers["ratelimit-policy"] == '"minute";q=2;w=60'
        assert ok.headers["ratelimit"] == '"minute";r=0;t=60'
        refused = await client.get("/oauth/token")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json() == {
        "error": "temporarily_unavailable",
        "error_description": "Too many requests from your address: 2 requests per minute; retry in 1 minute.",
    }


async def test_oauth_trusts_proxy_headers_only_from_trusted_peers(client_for: ClientFactory) -> None:
    async with client_for(per_minute=1, client_ip="10.0.0.5", trusted_proxies="10.0.0.0/8") as client:
        assert (
            await client.post("/oauth/token", headers={"fly-client-ip": "198.51.100.1"})
        ).status_code == 200
        assert (
            await client.post("/oauth/token", headers={"fly-client-ip": "198.51.100.1"})
        ).status_code == 429
        assert (
            await client.post("/oauth/token", headers={"fly-client-ip": "198.51.100.2"})
        ).status_code == 200
        xff = {"x-forwarded-for": "198.51.100.7, 10.0.0.9"}
        assert (await client.post("/oauth/token", headers=xff)).status_code == 200
        assert (
            await client.post("/oauth/token", headers={"x-forwarded-for": "198.51.100.7"})
        ).status_code == 429


class _Unavailable:
    def __init__(self) -> None:
        self.policy = Policy.per_hour(100)

    async def hit(self, key: str) -> Decision:
        raise LimiterUnavailable(4.2)

    def health(self) -> dict[str, object]:
        return {"status": "degraded"}

    async def aclose(self) -> None:
        return None


async def test_fail_closed_answers_503_and_never_reaches_the_app() -> None:
    limits = RateLimits(mcp=_Unavailable(), oauth=_Unavailable())
    transport = httpx.ASGITransport(app=make_app(limits))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        mcp = await client.post("/mcp", content=tool_call(9), headers=as_user("alice"))
        oauth = await client.post("/oauth/token")
    assert mcp.status_code == 503
    assert mcp.headers["retry-after"] == "5"
    assert mcp.json()["id"] == 9
    assert "temporarily unavailable" in mcp.json()["error"]["message"]
    assert oauth.status_code == 503
    assert oauth.json()["error"] == "temporarily_unavailable"
