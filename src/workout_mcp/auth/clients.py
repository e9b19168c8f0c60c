"""MCP clients of our `/oauth` facade: validated registrations, stored nowhere.

A dynamically registered client's id is the registration itself, sealed (purpose `client`); its secret,
for confidential clients, is an HMAC of that id under a key derived from SECRET_KEY, so both can be
checked by any machine without a database. A Client ID Metadata Document client's id is an https URL
(see `workout_mcp.auth.oauth.cimd`); both kinds end up as a `RegisteredClient`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from workout_mcp.auth.sealing import Sealer, SealError

CLIENT_PURPOSE = "client"
# A client id never expires by itself: rotating SECRET_KEY (and later dropping SECRET_KEY_PREVIOUS) is
# how every registration is revoked at once; the token endpoint then answers 401 invalid_client and
# Claude re-registers.
CLIENT_TTL_SECONDS = 10 * 365 * 24 * 3600

AuthMethod = Literal["none", "client_secret_post", "client_secret_basic"]
AUTH_METHODS: tuple[AuthMethod, ...] = ("none", "client_secret_post", "client_secret_basic")
GRANT_TYPES = ("authorization_code", "refresh_token")

MAX_REDIRECT_URIS = 5
MAX_URI_LENGTH = 512
MAX_NAME_LENGTH = 100
MAX_STATE_LENGTH = 1024
MAX_CLIENT_ID_LENGTH = 2048

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Schemes that run code or read local data in a browser; never a redirect target.
DANGEROUS_SCHEMES = frozenset(
    {"javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "view-source"}
)
# Claude Code's desktop app registers `claude://claude.ai/mcp-auth-callback/sdk`.
ALLOWED_PLAIN_SCHEMES = frozenset({"claude"})


class ClientMetadataError(ValueError):
    """Registration metadata we refuse; `error` is the RFC 7591 code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class UnknownClient(Exception):
    """A client id that is neither one we sealed (under a current key) nor a usable metadata document."""


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    client_name: str
    redirect_uris: tuple[str, ...]
    auth_method: AuthMethod
    grant_types: tuple[str, ...]
    issued_at: int
    kind: Literal["dcr", "cimd"] = "dcr"

    @property
    def confidential(self) -> bool:
        return self.auth_method != "none"

    def match_redirect_uri(self, candidate: str) -> str | None:
        """`candidate` if registered exactly, or with another port for loopback IPs (RFC 8252 §7.3).

        A loopback candidate is new text (its port was never registered), so it must first pass the
        same checks as a registered URI: it ends up in a redirect and in the consent page's CSP.
        """
        if candidate in self.redirect_uris:
            return candidate
        try:
            validate_redirect_uri(candidate)
        except ClientMetadataError:
            return None
        loose = _loopback_without_port(candidate)
        if loose is None:
            return None
        for registered in self.redirect_uris:
            if _loopback_without_port(registered) == loose:
                return candidate
        return None


def client_ref(client_id: str) -> str:
    """A short digest of a client id, what sealed codes and refresh tokens are bound to."""
    return base64.urlsafe_b64encode(hashlib.sha256(client_id.encode()).digest()[:16]).rstrip(b"=").decode()


def _loopback_without_port(uri: str) -> tuple[str, str, str, str] | None:
    parts = urlsplit(uri)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname or "", parts.path, parts.query


# --- validation -----------------------------------------------------------------------------------


def validate_redirect_uri(uri: Any) -> str:
    """One redirect URI (RFC 7591 §2, RFC 8252, OAuth 2.1 §2.3.1); raises `ClientMetadataError`."""
    if not isinstance(uri, str) or not uri:
        raise ClientMetadataError("invalid_redirect_uri", "each redirect URI must be a non-empty string")
    if len(uri) > MAX_URI_LENGTH:
        raise ClientMetadataError(
            "invalid_redirect_uri", f"redirect URIs are limited to {MAX_URI_LENGTH} characters"
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) > 0x7E for ch in uri) or "\\" in uri:
        raise ClientMetadataError(
            "invalid_redirect_uri", "redirect URIs must be printable ASCII without spaces"
        )
    if "#" in uri:
        raise ClientMetadataError("invalid_redirect_uri", "redirect URIs must not contain a fragment")
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        raise ClientMetadataError("invalid_redirect_uri", "redirect URI is not a valid URI") from None
    scheme = parts.scheme
    if not scheme or uri.split(":", 1)[0] != scheme:
        raise ClientMetadataError(
            "invalid_redirect_uri", "redirect URIs must be absolute, with a lowercase scheme"
        )
    if scheme in DANGEROUS_SCHEMES:
        raise ClientMetadataError("invalid_redirect_uri", f"the {scheme}: scheme is not allowed")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ClientMetadataError("invalid_redirect_uri", "redirect URIs must not carry user information")
    if scheme in ("https", "http"):
        host = parts.hostname
        if not host:
            raise ClientMetadataError("invalid_redirect_uri", "redirect URIs need a host")
        if scheme == "http" and host not in LOOPBACK_HOSTS:
            raise ClientMetadataError(
                "invalid_redirect_uri",
                "http redirect URIs are allowed only for loopback (127.0.0.1, [::1], localhost)",
            )
        if port == 0:
            raise ClientMetadataError("invalid_redirect_uri", "redirect URI port must not be 0")
        return uri
    # Private-use schemes (RFC 8252 §7.1): reverse-domain names (contain a dot) or a known app scheme.
    if scheme in ALLOWED_PLAIN_SCHEMES or "." in scheme:
        if not (parts.netloc or parts.path):
            raise ClientMetadataError("invalid_redirect_uri", "custom-scheme redirect URIs need a path")
        return uri
    raise ClientMetadataError(
        "invalid_redirect_uri",
        "redirect URIs must be https, http on loopback, or a reverse-domain private-use scheme",
    )


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClientMetadataError("invalid_client_metadata", f"{name} must be an array of strings")
    return list(value)


@dataclass(frozen=True)
class ClientRegistration:
    """Validated metadata, before an id is attached."""

    client_name: str
    redirect_uris: tuple[str, ...]
    auth_method: AuthMethod
    grant_types: tuple[str, ...]


def validate_client_metadata(
    metadata: Mapping[str, Any], *, default_auth_method: AuthMethod = "client_secret_basic"
) -> ClientRegistration:
    """RFC 7591 §2 metadata -> a registration we can honour; raises `ClientMetadataError`."""
    if "redirect_uris" not in metadata:
        raise ClientMetadataError("invalid_redirect_uri", "redirect_uris is required")
    uris = _string_list(metadata["redirect_uris"], "redirect_uris")
    if not uris:
        raise ClientMetadataError("invalid_redirect_uri", "at least one redirect URI is required")
    if len(uris) > MAX_REDIRECT_URIS:
        raise ClientMetadataError("invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect URIs")
    redirect_uris = tuple(dict.fromkeys(validate_redirect_uri(u) for u in uris))

    method = metadata.get("token_endpoint_auth_method")
    if method is None:
        method = default_auth_method
    if method not in AUTH_METHODS:
        raise ClientMetadataError(
            "invalid_client_metadata",
            "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic",
        )

    grants = metadata.get("grant_types")
    grant_types = (
        tuple(GRANT_TYPES) if grants is None else tuple(dict.fromkeys(_string_list(grants, "grant_types")))
    )
    if "authorization_code" not in grant_types or not set(grant_types) <= set(GRANT_TYPES):
        raise ClientMetadataError(
            "invalid_client_metadata",
            "grant_types must include authorization_code and may add refresh_token only",
        )
    responses = metadata.get("response_types")
    if responses is not None and _string_list(responses, "response_types") != ["code"]:
        raise ClientMetadataError("invalid_client_metadata", 'response_types must be ["code"]')

    name = metadata.get("client_name")
    if name is None:
        name = urlsplit(redirect_uris[0]).hostname or "MCP client"
    if not isinstance(name, str) or not name.strip():
        raise ClientMetadataError("invalid_client_metadata", "client_name must be a non-empty string")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ClientMetadataError(
            "invalid_client_metadata", f"client_name is limited to {MAX_NAME_LENGTH} characters"
        )
    return ClientRegistration(
        client_name=name, redirect_uris=redirect_uris, auth_method=method, grant_types=grant_types
    )


# --- sealed registrations -------------------------------------------------------------------------


def _secret_key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"workout-mcp/client-secret/v1", info=b"hmac-sha256"
    ).derive(secret.encode())


class ClientRegistry:
    """Seals registrations into client ids, derives and checks client secrets, opens client ids."""

    def __init__(
        self, sealer: Sealer, secrets: Sequence[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._sealer = sealer
        self._keys = [_secret_key(s) for s in secrets]
        self._clock = clock

    def register(self, registration: ClientRegistration) -> tuple[RegisteredClient, str | None]:
        """A new client id (and a secret for a confidential client); raises `ClientMetadataError`."""
        issued_at = int(self._clock())
        payload = {
            "n": registration.client_name,
            "r": list(registration.redirect_uris),
            "m": AUTH_METHODS.index(registration.auth_method),
            "g": [GRANT_TYPES.index(g) for g in registration.grant_types],
            "t": issued_at,
        }
        client_id = self._sealer.seal(CLIENT_PURPOSE, payload, CLIENT_TTL_SECONDS)
        if len(client_id) > MAX_CLIENT_ID_LENGTH:
            # `open` would refuse it, and the client would register again forever.
            raise ClientMetadataError(
                "invalid_client_metadata",
                f"this registration does not fit in a {MAX_CLIENT_ID_LENGTH}-character client id: "
                "register fewer or shorter redirect URIs, or a shorter client_name",
            )
        client = RegisteredClient(
            client_id=client_id,
            client_name=registration.client_name,
            redirect_uris=registration.redirect_uris,
            auth_method=registration.auth_method,
            grant_types=registration.grant_types,
            issued_at=issued_at,
        )
        secret = self._secret_for(client_id, self._keys[0]) if client.confidential else None
        return client, secret

    def open(self, client_id: str) -> RegisteredClient:
        """The registration sealed in `client_id`; raises `UnknownClient`."""
        if len(client_id) > MAX_CLIENT_ID_LENGTH:
            raise UnknownClient("client id too long")
        try:
            payload = self._sealer.unseal(CLIENT_PURPOSE, client_id)
            return RegisteredClient(
                client_id=client_id,
                client_name=str(payload["n"]),
                redirect_uris=tuple(str(u) for u in payload["r"]),
                auth_method=AUTH_METHODS[int(payload["m"])],
                grant_types=tuple(GRANT_TYPES[int(g)] for g in payload["g"]),
                issued_at=int(payload["t"]),
            )
        except SealError as exc:
            raise UnknownClient(str(exc)) from None
        except (KeyError, TypeError, ValueError, IndexError):
            raise UnknownClient("malformed registration") from None

    def check_secret(self, client_id: str, presented: str) -> bool:
        """Constant-time check against the secret under every configured key (rotation)."""
        return any(
            hmac.compare_digest(self._secret_for(client_id, key).encode(), presented.encode())
            for key in self._keys
        )

    @staticmethod
    def _secret_for(client_id: str, key: bytes) -> str:
        digest = hmac.new(key, client_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_private_address(address: str) -> bool:
    """True for anything but a public unicast address (SSRF guard for metadata documents)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
