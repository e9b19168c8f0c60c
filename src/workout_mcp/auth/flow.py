"""The browser-side context of one authorization flow, shared by `/oauth/authorize` and the consent page.

`/oauth/authorize` knows which MCP client asks; the consent page (reached from Supabase with only an
`authorization_id`) must name that client and, on deny, send the browser back to it. The context rides
in a sealed, short-lived, HttpOnly cookie, so any machine can serve either step.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from workout_mcp.auth.sealing import Sealer, SealError

FLOW_PURPOSE = "flow"
FLOW_TTL_SECONDS = 600  # Supabase expires an authorization after 10 minutes


class FlowContext(BaseModel):
    client_id: str
    client_name: str
    redirect_uri: str
    state: str | None = None
    scope: str | None = None


def cookie_name(base: str, *, secure: bool) -> str:
    """`__Host-` cookies need https; on plain-http loopback development the bare name is used."""
    return f"__Host-{base}" if secure else base


def write_flow_cookie(response: Response, sealer: Sealer, flow: FlowContext, *, secure: bool) -> None:
    response.set_cookie(
        cookie_name("wmcp-flow", secure=secure),
        sealer.seal(FLOW_PURPOSE, flow.model_dump(exclude_none=True), FLOW_TTL_SECONDS),
        max_age=FLOW_TTL_SECONDS,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def read_flow_cookie(request: Request, sealer: Sealer, *, secure: bool) -> FlowContext | None:
    blob = request.cookies.get(cookie_name("wmcp-flow", secure=secure))
    if not blob:
        return None
    try:
        return FlowContext.model_validate(sealer.unseal(FLOW_PURPOSE, blob))
    except (SealError, ValueError):
        return None
