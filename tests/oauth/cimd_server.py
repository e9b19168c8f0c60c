"""A Client ID Metadata Document host on https://127.0.0.1:<port> (self-signed, trusted only by the
httpx client it hands out), with a good document, a 10 MB one, a redirect and a lying one."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.standin.fixtures import bound_socket


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class DocumentHost:
    base: str
    cert_path: Path
    hits: int = 0

    @property
    def url(self) -> str:
        return f"{self.base}/client.json"

    def trusting_client(self) -> httpx.AsyncClient:
        context = ssl.create_default_context(cafile=str(self.cert_path))
        return httpx.AsyncClient(verify=context, timeout=10)


@contextmanager
def serve_metadata_document(
    *, redirect_uris: list[str], client_name: str = "CIMD client"
) -> Iterator[DocumentHost]:
    with tempfile.TemporaryDirectory() as tmp, bound_socket() as sock:
        cert_path, key_path = _self_signed(Path(tmp))
        port = sock.getsockname()[1]
        host = DocumentHost(base=f"https://127.0.0.1:{port}", cert_path=cert_path)

        def document(url: str, **extra: Any) -> dict[str, Any]:
            return {
                "client_id": url,
                "client_name": client_name,
                "redirect_uris": redirect_uris,
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                **extra,
            }

        async def good(request: Request) -> Response:
            host.hits += 1
            return JSONResponse(document(host.url), headers={"Cache-Control": "max-age=600"})

        async def lying(request: Request) -> Response:
            host.hits += 1
            return JSONResponse(document("https://claude.ai/oauth/mcp-oauth-client-metadata"))

        async def huge(request: Request) -> Response:
            host.hits += 1

            async def body() -> Any:
                yield b'{"client_id": "' + b"x" * 1024
                for _ in range(10 * 1024):
                    yield b"x" * 1024

            return StreamingResponse(body(), media_type="application/json")

        async def moved(request: Request) -> Response:
            host.hits += 1
            return RedirectResponse(host.url, status_code=302)

        async def busy(request: Request) -> Response:
            host.hits += 1
            return Response("busy", status_code=503)

        app = Starlette(
            routes=[
                Route("/client.json", good),
                Route("/busy.json", busy),
                Route("/lying.json", lying),
                Route("/huge.json", huge),
                Route("/moved.json", moved),
            ]
        )
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(cert_path),
            ssl_keyfile=str(key_path),
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("document host did not start")
            time.sleep(0.01)
        try:
            yield host
        finally:
            server.should_exit = True
            thread.join(10)


def as_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()
