"""Bad input on the OAuth endpoints (issue 11 §4): clear 4xx answers, quiet logs, deadlines, no traps.

The server is the real app under uvicorn on 127.0.0.1 in front of the Supabase stand-in (`world`);
metadata documents come from a real loopback host; slow clients are raw sockets.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.oauth.conftest import World
from tests.standin.fixtures import serve_asgi
from workout_mcp.auth import sealing
from workout_mcp.auth.clients import (
    MAX_CLIENT_ID_LENGTH,
    ClientMetadataError,
    ClientRegistration,
    ClientRegistry,
    RegisteredClient,
    UnknownClient,
)
from workout_mcp.auth.oauth import params
from workout_mcp.auth.oauth.cimd import CimdResolver
from workout_mcp.auth.sealing import Sealer, SealError

DEEP = 100_000


def _nested(depth: int = DEEP) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Every record of the app's and uvicorn's loggers (uvicorn's do not reach the root logger)."""
    handler = Captured()
    names = ["", "uvicorn"]  # uvicorn's loggers do not propagate to the root
    app_logger = logging.getLogger("workout_mcp")
    level = app_logger.level
    app_logger.setLevel(logging.INFO)
    for name in names:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        app_logger.setLevel(level)
        for name in names:
            logging.getLogger(name).removeHandler(handler)


def _port(world: World) -> int:
    return int(world.url.rsplit(":", 1)[1])


# --- deeply nested JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/oauth/register", "/oauth/token", "/oauth/revoke"])
async def test_deeply_nested_json_is_a_400_not_a_500(
    world: World, http: httpx.AsyncClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "MAX_BODY_BYTES", 1_000_000)  # depth, not size, is what is tested
    for body in (_nested(), b"[" * DEEP + b"]" * DEEP):
        response = await http.post(
            f"{world.url}{path}", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"
        assert "nested" in response.json()["error_description"]


async def test_a_deeply_nested_metadata_document_is_refused_and_the_refusal_cached() -> None:
    hits: list[str] = []

    async def document(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(_nested(2_000), media_type="application/json")

    app = Starlette(routes=[Route("/client.json", document)])
    with serve_asgi(app) as base:
        async with httpx.AsyncClient() as http:
            resolver = CimdResolver(http, allow_private_networks=True, max_bytes=100_000)
            for _ in range(2):
                with pytest.raises(UnknownClient, match="nested"):
                    await resolver.client(f"{base}/client.json")
    assert hits == ["/client.json"], "the refusal is cached like any bad document"


# --- a client that disconnects mid-body ---------------------------------------------------------------


def _raw(world: World, head: str, body: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", _port(world)), timeout=10)
    sock.sendall(head.encode() + body)
    return sock


async def test_a_client_that_disconnects_mid_body_leaves_one_quiet_line(world: World, logs: Captured) -> None:
    head = (
        "POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
    )
    _raw(world, head, b"grant_type=refresh_token&refresh").close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("disconnected" in r.getMessage() for r in logs.records):
        time.sleep(0.05)
    time.sleep(0.3)
    loud = [r for r in logs.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    quiet = [r for r in logs.records if "disconnected" in r.getMessage()]
    assert len(quiet) == 1 and quiet[0].levelno == logging.INFO


# --- slow bodies --------------------------------------------------------------------------------------


async def test_a_slow_body_meets_a_deadline(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(params, "BODY_DEADLINE_SECONDS", 0.5)
    head = (
        "POST /oauth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    )
    sock = _raw(world, head, b'{"redirect_uris":')
    started = time.monotonic()
    received = b""
    while chunk := sock.recv(65536):  # until the server closes the connection
        received += chunk
    sock.close()
    answer = received.decode()
    assert answer.startswith("HTTP/1.1 408 "), answer
    assert '"error":"invalid_request"' in answer.replace(" ", "") and "in time" in answer
    assert time.monotonic() - started < 5


# --- sealing key ids ----------------------------------------------------------------------------------


def _colliding_secrets() -> tuple[str, str]:
    first = "previous-secret-key-0000000000000000"
    kid = sealing.key_id(sealing._derive(first))
    for n in range(100_000):
        candidate = f"current-secret-key-{n:016d}"
        if sealing.key_id(sealing._derive(candidate)) == kid:
            return candidate, first
    raise AssertionError("no collision found")


def test_a_rotation_whose_key_ids_collide_still_opens_what_the_previous_key_sealed() -> None:
    current, previous = _colliding_secrets()
    sealed_before = Sealer([previous]).seal("client", {"n": "App"}, 60)
    rotated = Sealer([current, previous])
    assert rotated.unseal("client", sealed_before) == {"n": "App"}
    sealed_after = rotated.seal("client", {"n": "New"}, 60)
    assert rotated.unseal("client", sealed_after) == {"n": "New"}
    with pytest.raises(SealError):
        Sealer([previous]).unseal("client", sealed_after)  # sealed by the current key only


# --- loopback redirect candidates ---------------------------------------------------------------------

CSP_INJECTION = "http://127.0.0.1:1;script-src 'unsafe-inline' *;/cb"


@pytest.mark.parametrize(
    "candidate",
    [
        CSP_INJECTION,
        "http://127.0.0.1:1;script-src/cb",
        "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:0/cb",
        "http://127.0.0.1:8080/cb\r\nX: y",
        'http://127.0.0.1:8080/cb"',
    ],
)
def test_a_bad_loopback_candidate_never_matches(candidate: str) -> None:
    client = RegisteredClient(
        client_id="c",
        client_name="CLI",
        redirect_uris=("http://127.0.0.1/cb",),
        auth_method="none",
        grant_types=("authorization_code",),
        issued_at=0,
    )
    assert client.match_redirect_uri(candidate) is None
    assert client.match_redirect_uri("http://127.0.0.1:53682/cb") == "http://127.0.0.1:53682/cb"


async def test_the_csp_injection_is_refused_at_authorize(world: World, http: httpx.AsyncClient) -> None:
    registered = await http.post(
        f"{world.url}/oauth/register",
        json={"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"},
    )
    client_id = registered.json()["client_id"]
    query = {
        "client_id": client_id,
        "redirect_uri": CSP_INJECTION,
        "response_type": "code",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "state": "s",
    }
    answer = await http.get(f"{world.url}/oauth/authorize?{urlencode(query)}")
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "unsafe-inline" not in answer.headers.get("content-security-policy", "")


# --- registrations whose id could not be opened -------------------------------------------------------


def _long_uris(n: int = 5) -> list[str]:
    return [f"https://app.example/{i}/" + "x" * 480 for i in range(n)]


async def test_registration_never_answers_201_with_an_id_that_cannot_be_opened(
    world: World, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"{world.url}/oauth/register",
        json={"redirect_uris": _long_uris(), "client_name": "N" * 100, "token_endpoint_auth_method": "none"},
    )
    assert response.status_code == 400, response.text[:200]
    assert response.json()["error"] == "invalid_client_metadata"
    assert "shorter" in response.json()["error_description"]


def test_every_id_the_registry_issues_opens() -> None:
    registry = ClientRegistry(Sealer(["k" * 40]), ["k" * 40])
    issued, refused = 0, 0
    for count in range(1, 6):
        registration = ClientRegistration(
            client_name="N" * 100,
            redirect_uris=tuple(_long_uris(count)),
            auth_method="none",
            grant_types=("authorization_code",),
        )
        try:
            client, _ = registry.register(registration)
        except ClientMetadataError as exc:
            refused += exc.error == "invalid_client_metadata"
            continue
        issued += 1
        assert len(client.client_id) <= MAX_CLIENT_ID_LENGTH
        assert registry.open(client.client_id) == client
    assert issued >= 1 and issued + refused == 5
