"""`login` (the SDK's OAuth client, end to end) and `token` (refresh when needed)."""

from __future__ import annotations

import sys
import time
import webbrowser
from collections.abc import Callable

import httpx
import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, OAuthFlowError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl, ValidationError

from workout_mcp import __version__
from workout_mcp.login.credentials import CredentialStore, LoginError, ServerCredentials, mcp_url_of
from workout_mcp.login.loopback import LoopbackReceiver

HTTP_TIMEOUT_SECONDS = 30.0
CLIENT_NAME = "workout-mcp command line"


class MemoryTokenStorage:
    """The SDK's TokenStorage in memory, for the length of one login (which persists the outcome itself)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def open_in_browser(url: str) -> None:
    print(f"Opening your browser to sign in. If it does not open, visit:\n\n  {url}\n", file=sys.stderr)
    webbrowser.open(url)


def show_url(url: str) -> None:
    print(f"Open this address in a browser to sign in:\n\n  {url}\n", file=sys.stderr)


async def login(
    server: str,
    *,
    store: CredentialStore,
    open_url: Callable[[str], None] = open_in_browser,
    wait_seconds: float = 300.0,
) -> tuple[ServerCredentials, int]:
    """Sign in to `server` in the browser; returns what was saved and how many tools the token reaches."""
    mcp_url = mcp_url_of(server)
    storage = MemoryTokenStorage()
    async with LoopbackReceiver() as receiver:

        async def redirect(url: str) -> None:
            open_url(url)

        async def callback() -> AuthorizationCodeResult:
            return await receiver.wait(wait_seconds)

        provider = OAuthClientProvider(
            server_url=mcp_url,
            client_metadata=OAuthClientMetadata(
                client_name=CLIENT_NAME,
                software_version=__version__,
                redirect_uris=[AnyUrl(receiver.redirect_uri)],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                token_endpoint_auth_method="none",  # noqa: S106 (a public client: PKCE, no secret)
            ),
            storage=storage,
            redirect_handler=redirect,
            callback_handler=callback,
        )
        try:
            async with (
                httpx2.AsyncClient(auth=provider, timeout=HTTP_TIMEOUT_SECONDS) as http,
                Client(streamable_http_client(mcp_url, http_client=http), mode="legacy") as client,
            ):
                tools = (await client.list_tools()).tools
        except Exception as exc:  # the SDK's task groups wrap what went wrong in exception groups
            raise _login_error(exc, mcp_url) from None
    context = provider.context
    if storage.tokens is None or storage.client is None or context.oauth_metadata is None:
        raise LoginError(f"{mcp_url} answered without asking for a sign-in: it needs no token")
    if not storage.tokens.refresh_token:
        raise LoginError(f"{mcp_url} issued no refresh token, so `workout-mcp token` could not renew it")
    entry = ServerCredentials(
        mcp_url=mcp_url,
        token_endpoint=str(context.oauth_metadata.token_endpoint),
        resource=context.get_resource_url(),
        client=storage.client,
        tokens=storage.tokens,
        expires_at=context.token_expiry_time,
        saved_at=time.time(),
    )
    store.put(entry)
    return entry, len(tools)


async def fresh_access_token(
    server: str | None, *, store: CredentialStore, now: Callable[[], float] = time.time
) -> str:
    """The stored access token while it has more than a minute left, else a refreshed one (saved,
    with the rotated refresh token, before it is returned)."""
    entry = store.get(server)
    if entry.access_token_fresh(now()):
        return entry.tokens.access_token
    if not entry.tokens.refresh_token:
        raise LoginError(f"the token for {entry.mcp_url} expired: run `workout-mcp login {entry.mcp_url}`")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": entry.tokens.refresh_token,
        "client_id": entry.client.client_id,
    }
    if entry.resource:
        form["resource"] = entry.resource
    if entry.client.client_secret:
        form["client_secret"] = entry.client.client_secret
    started = now()
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            response = await http.post(
                entry.token_endpoint, data=form, headers={"Accept": "application/json"}
            )
    except httpx.TransportError as exc:
        raise LoginError(f"cannot reach {entry.token_endpoint} ({type(exc).__name__})") from None
    if response.status_code != 200:
        error = _oauth_error(response)
        if error in ("invalid_grant", "invalid_client"):
            raise LoginError(
                f"the sign-in to {entry.mcp_url} has ended ({error}): run `workout-mcp login {entry.mcp_url}`"
            )
        raise LoginError(
            f"refreshing the token at {entry.token_endpoint} failed: HTTP {response.status_code}"
        )
    try:
        tokens = OAuthToken.model_validate_json(response.content)
    except ValidationError:
        raise LoginError(
            f"{entry.token_endpoint} answered the refresh with something that is not a token"
        ) from None
    if not tokens.refresh_token:  # a server that does not rotate keeps the old one valid
        tokens.refresh_token = entry.tokens.refresh_token
    expires_at = started + tokens.expires_in if tokens.expires_in else None
    store.put(entry.model_copy(update={"tokens": tokens, "expires_at": expires_at}))
    return tokens.access_token


def _login_error(exc: BaseException, mcp_url: str) -> BaseException:
    """The first cause a person can act on, out of the exception groups the client's tasks raise."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _login_error(inner, mcp_url)
            if isinstance(found, LoginError):
                return found
        return exc
    if isinstance(exc, LoginError):
        return exc
    if isinstance(exc, OAuthFlowError):
        return LoginError(f"sign-in with {mcp_url} failed: {exc}")
    if isinstance(exc, httpx2.TransportError):
        return LoginError(f"cannot reach {mcp_url} ({type(exc).__name__})")
    return exc


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None
