"""The image's trust setting: calls to Supabase verify against a CA directory (`SSL_CERT_DIR`, set in the
Dockerfile) that OpenSSL reads one certificate at a time, instead of a whole bundle loaded up front.

A real TLS server on loopback with a certificate from a CA made here: the upstream client as the app
builds it trusts it when that CA is in the directory (and loads that one certificate, not a bundle), and
refuses it when the directory holds another CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.deploy.support import final_stage, final_stage_env, of
from workout_mcp.app import upstream_client
from workout_mcp.config import load_settings
from workout_mcp.supabase.gateway import LazyTransport


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(directory: Path, common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A CA certificate in `directory`, with OpenSSL's hashed link to it (as update-ca-certificates makes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{common}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    subprocess.run(["openssl", "rehash", str(directory)], check=True, capture_output=True)
    return key, cert


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """(https URL of a loopback server, a CA directory that trusts it, a CA directory that does not)."""
    ca_key, ca_cert = _ca(tmp_path / "trusted", "workout-mcp test root")
    _ca(tmp_path / "other", "some other root")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = tmp_path / "server.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"keys": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", tmp_path / "trusted", tmp_path / "other"
    finally:
        server.shutdown()
        server.server_close()


def _lazy(client: httpx.AsyncClient) -> LazyTransport:
    transport: Any = client._transport
    while not isinstance(transport, LazyTransport):
        transport = transport.inner
    return transport


def _trusting(directory: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.AsyncClient:
    """The app's upstream client in a process configured as the image is: a CA directory, no bundle."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(directory))
    return upstream_client(load_settings(_env_file=None, auth_mode="none"))


async def test_the_ca_directory_is_trusted_and_read_one_certificate_at_a_time(
    tls_server: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, trusted, _ = tls_server
    async with _trusting(trusted, monkeypatch) as client:
        response = await client.get(f"{url}/auth/v1/.well-known/jwks.json")
        assert response.status_code == 200 and response.json() == {"keys": []}
        context: ssl.SSLContext = _lazy(client).transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        # Only the root this handshake needed, looked up by its hash (a bundle would be 100+).
        assert context.cert_store_stats()["x509_ca"] == 1


async def test_a_server_whose_root_is_not_in_the_directory_is_refused(
    tls_server: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, other = tls_server
    async with _trusting(other, monkeypatch) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(f"{url}/auth/v1/.well-known/jwks.json")


def test_the_image_sets_the_ca_directory_and_no_bundle() -> None:
    env = final_stage_env()
    assert env.get("SSL_CERT_DIR") == "/etc/ssl/certs"
    assert "SSL_CERT_FILE" not in env
    assert "ls /etc/ssl/certs/*.0" in " ".join(of(final_stage(), "RUN")), "the build checks the hashed links"
