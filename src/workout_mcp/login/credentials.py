"""What `login` keeps per server, in one JSON file readable by its owner only."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import ValidationError

from workout_mcp.domain.base import Model

# A token this close to its expiry is refreshed rather than handed to a client that will use it later.
EXPIRY_MARGIN_SECONDS = 60


class LoginError(Exception):
    """A login or token problem, with the message to show the user."""


class ServerCredentials(Model):
    """One server's OAuth client registration and tokens, as `login` left them."""

    mcp_url: str
    token_endpoint: str
    resource: str | None
    client: OAuthClientInformationFull
    tokens: OAuthToken
    expires_at: float | None
    saved_at: float

    def access_token_fresh(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at - EXPIRY_MARGIN_SECONDS


class CredentialFile(Model):
    servers: dict[str, ServerCredentials] = {}


def config_dir() -> Path:
    """The user's config directory (XDG on Linux, the platform's own elsewhere)."""
    if os.name == "nt":
        root = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif os.uname().sysname == "Darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return root / "workout-mcp"


def mcp_url_of(server: str) -> str:
    """`https://host` or `https://host/mcp` (with or without a trailing slash) -> the MCP endpoint URL."""
    url = server.strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise LoginError(f"{server!r} is not a server URL: give it as https://<host> or https://<host>/mcp")
    host, _, path = url.partition("://")[2].partition("/")
    if not host:
        raise LoginError(f"{server!r} has no host name")
    return url if path else f"{url}/mcp"


class CredentialStore:
    """`credentials.json` in the config directory: created 0600 inside a 0700 directory, replaced
    atomically, so a refresh that dies half-way never leaves a file without the newest refresh token."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or config_dir()) / "credentials.json"

    def load(self) -> CredentialFile:
        try:
            return CredentialFile.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return CredentialFile()
        except (OSError, ValidationError) as exc:
            raise LoginError(
                f"{self.path} cannot be read ({type(exc).__name__}); delete it and log in again"
            ) from None

    def get(self, server: str | None) -> ServerCredentials:
        servers = self.load().servers
        if server is None:
            if not servers:
                raise LoginError("not logged in to any server: run `workout-mcp login <server URL>` first")
            return max(servers.values(), key=lambda entry: entry.saved_at)
        url = mcp_url_of(server)
        if url not in servers:
            raise LoginError(f"not logged in to {url}: run `workout-mcp login {server}` first")
        return servers[url]

    def put(self, entry: ServerCredentials) -> None:
        document = self.load()
        document.servers[entry.mcp_url] = entry.model_copy(update={"saved_at": time.time()})
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(json.dumps(document.model_dump(mode="json"), indent=2))
            os.chmod(partial, 0o600)
            os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)
