"""A metadata document that cannot be fetched *now* is told apart from one that is bad or absent.

Real sockets: a Starlette app under uvicorn on 127.0.0.1 serves the documents (so
`allow_private_networks` is on), and a closed port stands for a host that is down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standin.fixtures import bound_socket, serve_asgi
from workout_mcp.auth.clients import UnknownClient
from workout_mcp.auth.oauth.cimd import CimdResolver, ClientMetadataUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _app(hits: list[str]) -> Starlette:
    async def document(request: Request) -> Response:
        hits.append(request.url.path)
        url = f"http://{request.headers['host']}{request.url.path}"
        return JSONResponse(
            {"client_id": url, "client_name": "App", "redirect_uris": ["https://app.example/cb"]}
        )

    async def status(request: Request) -> Response:
        hits.append(request.url.path)
        return Response("busy", status_code=int(request.path_params["code"]))

    async def slow(request: Request) -> Response:
        hits.append(request.url.path)
        await asyncio.sleep(3)
        return Response("{}")

    return Starlette(
        routes=[
            Route("/ok/client.json", document),
            Route("/status/{code}/client.json", status),
            Route("/slow/client.json", slow),
        ]
    )


@pytest.fixture
def host() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    with serve_asgi(_app(hits)) as url:
        yield url, hits


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _resolver(http: httpx.AsyncClient, clock: Clock, **kw: float) -> CimdResolver:
    return CimdResolver(http, allow_private_networks=True, clock=clock, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [500, 502, 503, 408, 429])
async def test_a_5xx_408_or_429_is_temporary_and_retried_after_a_few_seconds(
    host: tuple[str, list[str]], http: httpx.AsyncClient, code: int
) -> None:
    base, hits = host
    clock = Clock()
    resolver = _resolver(http, clock)
    url = f"{base}/status/{code}/client.json"
    with pytest.raises(ClientMetadataUnavailable, match=str(code)):
        await resolver.client(url)
    with pytest.raises(ClientMetadataUnavailable):
        await resolver.client(url)  # cached briefly: one slow or failing host is not hammered
    assert len(hits) == 1
    clock.now += 6
    with pytest.raises(ClientMetadataUnavailable):
        await resolver.client(url)
    assert len(hits) == 2


async def test_a_refused_connection_and_a_timeout_are_temporary(
    host: tuple[str, list[str]], http: httpx.AsyncClient
) -> None:
    base, _ = host
    with bound_socket() as closed:  # bound, never listening: connections are refused
        down = f"http://127.0.0.1:{closed.getsockname()[1]}/client.json"
        with pytest.raises(ClientMetadataUnavailable, match="unreachable"):
            await _resolver(http, Clock()).client(down)
    with pytest.raises(ClientMetadataUnavailable, match="too long"):
        await _resolver(http, Clock(), timeout=0.5).client(f"{base}/slow/client.json")


@pytest.mark.parametrize("code", [404, 403, 410])
async def test_an_absent_document_is_a_refusal_cached_for_longer(
    host: tuple[str, list[str]], http: httpx.AsyncClient, code: int
) -> None:
    base, hits = host
    clock = Clock()
    resolver = _resolver(http, clock)
    url = f"{base}/status/{code}/client.json"
    with pytest.raises(UnknownClient) as caught:
        await resolver.client(url)
    assert not isinstance(caught.value, ClientMetadataUnavailable)
    clock.now += 6
    with pytest.raises(UnknownClient) as again:
        await resolver.client(url)
    assert not isinstance(again.value, ClientMetadataUnavailable) and len(hits) == 1


async def test_a_good_document_still_resolves(host: tuple[str, list[str]], http: httpx.AsyncClient) -> None:
    base, _ = host
    client = await _resolver(http, Clock()).client(f"{base}/ok/client.json")
    assert client.client_name == "App" and json.dumps(client.redirect_uris) == '["https://app.example/cb"]'
