"""Typed errors of the `/oauth` facade and the one place they become HTTP answers.

- `OAuthError`: a JSON error body (RFC 6749 §5.2 / RFC 7591 §3.2.2) from the token, registration and
  revocation endpoints, never cached.
- `RedirectError`: an authorization error the client can safely receive at its (verified) redirect URI,
  with `state` and `iss` (RFC 9207).
- `PageError`: an authorization error that must not redirect (unknown client, unregistered redirect
  URI, a forged or expired `state`); the person sees an HTML page instead.
- `ClientGone`: the client hung up before its request was complete; nobody is there to answer, so it
  costs one INFO line and no traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from workout_mcp import metrics

log = logging.getLogger("workout_mcp.auth.oauth")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PRODUCT_NAME = "Workout MCP"
STYLE_URL = "/oauth/consent/style.css"

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _templates() -> Environment:
    """Built on the first error page, so jinja2 stays out of the start-up path."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
        autoescape=select_autoescape(default=True),
    )


class OAuthError(Exception):
    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})


class InvalidClient(OAuthError):
    """401 invalid_client (RFC 6749 §5.2): Claude's documented signal to register again."""

    def __init__(self, description: str = "client authentication failed", *, basic: bool = False) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="workout-mcp"'} if basic else {}
        super().__init__("invalid_client", description, status=401, headers=headers)


class Unavailable(OAuthError):
    """Supabase is down, slow or rate-limiting us; the client should retry later."""

    def __init__(self) -> None:
        super().__init__(
            "temporarily_unavailable",
            "the identity provider is unavailable, try again shortly",
            status=503,
            headers={"Retry-After": "5"},
        )


class ClientGone(Exception):
    """The client disconnected before sending its whole request."""


class RedirectError(Exception):
    def __init__(
        self, redirect_uri: str, error: str, description: str, *, state: str | None, issuer: str
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.redirect_uri = redirect_uri
        self.error = error
        self.description = description
        self.state = state
        self.issuer = issuer


class PageError(Exception):
    def __init__(self, title: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


def add_query(uri: str, params: Mapping[str, str | None]) -> str:
    """`uri` with `params` appended to its query (existing parameters kept, RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect(location: str, *, status: int = 302) -> RedirectResponse:
    return RedirectResponse(
        location, status_code=status, headers={**NO_STORE, "Referrer-Policy": "no-referrer"}
    )


def json_error(error: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers={**NO_STORE, **error.headers},
    )


def error_page(error: PageError) -> HTMLResponse:
    html = (
        _templates()
        .get_template("error.html")
        .render(title=error.title, message=error.message, product=PRODUCT_NAME, style_url=STYLE_URL)
    )
    return HTMLResponse(html, status_code=error.status, headers=NO_STORE)


Endpoint = Callable[[Request], Awaitable[Response]]


def answers_errors(endpoint: Endpoint) -> Endpoint:
    """Turn the facade's typed errors into HTTP answers; log the outcome, never a secret."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        path = request.url.path
        try:
            return await endpoint(request)
        except OAuthError as exc:
            log.info("oauth %s refused: %s (%s)", path, exc.error, exc.description)
            metrics.oauth_outcome(path, "refused", exc.error)
            return json_error(exc)
        except RedirectError as exc:
            log.info("oauth %s redirected an error to the client: %s", path, exc.error)
            metrics.oauth_outcome(path, "denied" if exc.error == "access_denied" else "refused", exc.error)
            return redirect(
                add_query(
                    exc.redirect_uri,
                    {
                        "error": exc.error,
                        "error_description": exc.description,
                        "state": exc.state,
                        "iss": exc.issuer,
                    },
                )
            )
        except PageError as exc:
            log.info("oauth %s error page: %s", path, exc.title)
            metrics.oauth_outcome(path, "refused", "error_page")
            return error_page(exc)
        except ClientGone:
            log.info("oauth %s: the client disconnected before its request was complete", path)
            return Response(status_code=400, headers={"Connection": "close"})

    return wrapper
