"""The metadata-document resolver with an injected resolver, transport and clock (no sockets)."""

from __future__ import annotations

import json

import httpx
import pytest

from workout_mcp.auth.clients import UnknownClient
from workout_mcp.auth.oauth.cimd import CimdResolver, cache_ttl

URL = "https://app.example/oauth/client.json"


def _doc(**extra: object) -> dict[str, object]:
    return {"client_id": URL, "client_name": "App", "redirect_uris": ["https://app.example/cb"], **extra}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _resolver(
    handler: httpx.MockTransport, addresses: list[str], clock: Clock | None = None, **kw: object
) -> tuple[CimdResolver, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    async def resolve(host: str, port: int) -> list[str]:
        return addresses

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler.handle_request(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    return CimdResolver(http, resolve=resolve, clock=clock or Clock(), **kw), seen  # type: ignore[arg-type]


def _serving(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers or {}))


async def test_document_is_fetched_from_the_vetted_address_with_the_original_host() -> None:
    resolver, seen = _resolver(_serving(json.dumps(_doc()).encode()), ["93.184.216.34"])
    client = await resolver.client(URL)
    assert client.client_id == URL and client.kind == "cimd" and client.auth_method == "none"
    assert seen[0].url.host == "93.184.216.34"
    assert seen[0].headers["host"] == "app.example"
    assert seen[0].extensions.get("sni_hostname") == "app.example"


@pytest.mark.parametrize("addresses", [["10.0.0.5"], ["93.184.216.34", "127.0.0.1"], ["169.254.169.254"], []])
async def test_names_resolving_to_private_addresses_are_refused_before_any_request(
    addresses: list[str],
) -> None:
    resolver, seen = _resolver(_serving(json.dumps(_doc()).encode()), addresses)
    with pytest.raises(UnknownClient):
        await resolver.client(URL)
    assert seen == []


@pytest.mark.parametrize(
    "url",
    [
        "http://app.example/client.json",
        "https://app.example/",
        "https://app.example",
        "https://user@app.example/client.json",
        "https://app.example/client.json?x=1",
        "https://app.example/a/../client.json",
        "https://app.example/" + "a" * 600,
    ],
)
async def test_bad_client_id_urls_are_refused(url: str) -> None:
    resolver, seen = _resolver(_serving(b"{}"), ["93.184.216.34"])
    with pytest.raises(UnknownClient):
        await resolver.client(url)
    assert seen == []


@pytest.mark.parametrize(
    ("body", "status", "headers"),
    [
        (json.dumps(_doc(client_id="https://other.example/client.json")).encode(), 200, {}),
        (json.dumps(_doc(token_endpoint_auth_method="client_secret_basic")).encode(), 200, {}),
        (json.dumps(_doc(redirect_uris=["javascript:alert(1)"])).encode(), 200, {}),
        (json.dumps({"client_id": URL}).encode(), 200, {}),
        (b"x" * 6000, 200, {}),
        (b"not json", 200, {}),
        (json.dumps(_doc()).encode(), 302, {"location": "https://app.example/other.json"}),
        (json.dumps(_doc()).encode(), 404, {}),
        (json.dumps(_doc()).encode(), 200, {"content-encoding": "gzip"}),
    ],
)
async def test_bad_documents_are_refused(body: bytes, status: int, headers: dict[str, str]) -> None:
    resolver, _ = _resolver(_serving(body, status, headers), ["93.184.216.34"])
    with pytest.raises(UnknownClient):
        await resolver.client(URL)


async def test_results_and_failures_are_cached_for_their_lifetimes() -> None:
    clock = Clock()
    resolver, seen = _resolver(
        _serving(json.dumps(_doc()).encode(), headers={"cache-control": "max-age=120"}),
        ["93.184.216.34"],
        clock,
    )
    await resolver.client(URL)
    clock.now = 100
    await resolver.client(URL)
    assert len(seen) == 1
    clock.now = 121
    await resolver.client(URL)
    assert len(seen) == 2

    failing, failed = _resolver(_serving(b"nope"), ["93.184.216.34"], clock)
    for _ in range(3):
        with pytest.raises(UnknownClient):
            await failing.client(URL)
    assert len(failed) == 1


async def test_cache_is_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        url = f"https://app.example{request.url.path}"
        return httpx.Response(200, json={"client_id": url, "redirect_uris": ["https://app.example/cb"]})

    resolver, seen = _resolver(httpx.MockTransport(handler), ["93.184.216.34"], cache_size=2)
    for name in ("a", "b", "c", "a"):
        await resolver.client(f"https://app.example/{name}.json")
    assert len(seen) == 4  # "a" was evicted by "c"


@pytest.mark.parametrize(
    ("header", "ttl"),
    [
        (None, 300),
        ("max-age=10", 60),
        ("max-age=999999", 3600),
        ("no-store", 60),
        ("public, max-age=900", 900),
    ],
)
def test_cache_ttl_honours_cache_control_within_limits(header: str | None, ttl: float) -> None:
    assert cache_ttl(header) == ttl
