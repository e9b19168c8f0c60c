"""One authorization flow, bound to the browser that started it.

`/oauth/authorize` seals everything about the MCP client's request into the `state` it sends Supabase
(`AuthorizationState`), including a random flow nonce, and adds that nonce to this browser's sealed,
HttpOnly flow cookie. Supabase hands the `state` back inside the `redirect_url` of an approved
authorization, so before the consent page shows or follows anything it opens that `state` and checks
its nonce against the browser's cookie: an authorization started by someone else (another browser, an
attacker's client) is refused, and the page names the client from the authorization's own state, never
from a cookie another tab can replace. The cookie holds a few nonces, so parallel flows in several tabs
keep working.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp.auth.sealing import Sealer, SealError

FLOW_COOKIE = "wmcp-flow"
FLOW_PURPOSE = "flow"
FLOW_TTL_SECONDS = 600  # Supabase expires an authorization 10 minutes after the authorize request
MAX_FLOWS = 8  # parallel flows one browser may run; nonces of 22 characters keep the cookie small

STATE_PURPOSE = "upstream-state"
STATE_TTL_SECONDS = FLOW_TTL_SECONDS


NOT_THIS_BROWSER_TITLE = "This sign-in was not started here"
NOT_THIS_BROWSER_TEXT = (
    "This connection request was started in another browser or window, so we stopped it to keep your "
    "account safe. If you were connecting an app, start again from that app in this browser."
)


class NotThisBrowsersFlow(Exception):
    """The authorization's `state` is missing, forged, expired, or was not started in this browser."""


@dataclass(frozen=True)
class AuthorizationState:
    """What our `/oauth/authorize` knew about the MCP client's request, sealed into Supabase's `state`."""

    client_ref: str
    client_name: str
    redirect_uri: str
    explicit_redirect: bool
    client_state: str | None
    challenge: str
    scope: str
    flow: str
    started_at: int

    def to_wire(self) -> dict[str, Any]:
        return {
            "c": self.client_ref,
            "n": self.client_name,
            "r": self.redirect_uri,
            "x": self.explicit_redirect,
            "s": self.client_state,
            "h": self.challenge,
            "k": self.scope,
            "f": self.flow,
            "t": self.started_at,
        }

    @classmethod
    def from_wire(cls, payload: Any) -> AuthorizationState:
        if not isinstance(payload, dict):
            raise ValueError("not a state")
        client_state = payload.get("s")
        return cls(
            client_ref=str(payload["c"]),
            client_name=str(payload["n"]),
            redirect_uri=str(payload["r"]),
            explicit_redirect=bool(payload.get("x", True)),
            client_state=client_state if isinstance(client_state, str) else None,
            challenge=str(payload["h"]),
            scope=str(payload["k"]),
            flow=str(payload["f"]),
            started_at=int(payload["t"]),
        )

    def seal(self, sealer: Sealer) -> str:
        return sealer.seal(STATE_PURPOSE, self.to_wire(), STATE_TTL_SECONDS)

    @classmethod
    def open(cls, sealer: Sealer, blob: str) -> AuthorizationState:
        """Raises `SealError` (forged, expired, other purpose) or `ValueError` (malformed)."""
        try:
            return cls.from_wire(sealer.unseal(STATE_PURPOSE, blob))
        except (KeyError, TypeError) as exc:
            raise ValueError("malformed state") from exc


def new_flow_nonce() -> str:
    return secrets.token_urlsafe(16)


def cookie_name(base: str, *, secure: bool) -> str:
    """`__Host-` cookies need https; on plain-http loopback development the bare name is used."""
    return f"__Host-{base}" if secure else base


def browser_flows(request: Request, sealer: Sealer, *, secure: bool) -> list[str]:
    """The nonces of the flows this browser started and has not finished, newest first."""
    blob = request.cookies.get(cookie_name(FLOW_COOKIE, secure=secure))
    if not blob:
        return []
    try:
        value = sealer.unseal(FLOW_PURPOSE, blob)
    except SealError:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def write_flows(response: Response, sealer: Sealer, flows: list[str], *, secure: bool) -> None:
    name = cookie_name(FLOW_COOKIE, secure=secure)
    if not flows:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
        return
    response.set_cookie(
        name,
        sealer.seal(FLOW_PURPOSE, flows[:MAX_FLOWS], FLOW_TTL_SECONDS),
        max_age=FLOW_TTL_SECONDS,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def start_flow(request: Request, response: Response, sealer: Sealer, nonce: str, *, secure: bool) -> None:
    """Adds `nonce` to this browser's flow cookie (`/oauth/authorize`)."""
    kept = [nonce, *(n for n in browser_flows(request, sealer, secure=secure) if n != nonce)]
    write_flows(response, sealer, kept, secure=secure)


def finish_flow(request: Request, response: Response, sealer: Sealer, nonce: str, *, secure: bool) -> None:
    """Drops `nonce` from this browser's flow cookie (`/oauth/callback`)."""
    kept = [n for n in browser_flows(request, sealer, secure=secure) if n != nonce]
    write_flows(response, sealer, kept, secure=secure)


def is_this_browsers(state: AuthorizationState, flows: list[str]) -> bool:
    return any(hmac.compare_digest(state.flow, nonce) for nonce in flows)


def state_in(url: str) -> str | None:
    """The `state` query parameter of a redirect URL (Supabase's `redirect_url`), if exactly one."""
    values = parse_qs(urlsplit(url).query).get("state", [])
    return values[0] if len(values) == 1 else None


def bound_state(sealer: Sealer, redirect_url: str, flows: list[str]) -> AuthorizationState:
    """The sealed state inside Supabase's `redirect_url`, if this browser started that flow."""
    blob = state_in(redirect_url)
    if blob is None:
        raise NotThisBrowsersFlow("no state in the redirect")
    try:
        state = AuthorizationState.open(sealer, blob)
    except (SealError, ValueError) as exc:
        raise NotThisBrowsersFlow(f"state refused ({exc})") from None
    if not is_this_browsers(state, flows):
        raise NotThisBrowsersFlow("the flow was started in another browser")
    return state
