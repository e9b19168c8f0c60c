"""Rendering (templates, CSP, cookies on the response) and the plumbing every consent route shares."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from workout_mcp.auth.consent.cookies import PENDING_COOKIE, SESSION_COOKIE, Browser
from workout_mcp.auth.consent.csrf import Csrf
from workout_mcp.auth.flow import NOT_THIS_BROWSER_TEXT, NOT_THIS_BROWSER_TITLE, AuthorizationState
from workout_mcp.auth.sealing import Sealer
from workout_mcp.config import Settings
from workout_mcp.supabase import SupabaseAuth, SupabaseGateway

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger("workout_mcp.auth.consent")

PRODUCT_NAME = "Workout MCP"
CONSENT_PATH = "/oauth/consent"
STYLE_PATH = "/oauth/consent/style.css"

MAX_FORM_BYTES = 8192
AUTHORIZATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SCOPE_TEXT = {
    "openid": "Confirm that it is you",
    "email": "See your email address",
    "profile": "See your basic profile",
    "phone": "See your phone number",
    "offline_access": "Stay connected until you disconnect it",
}

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_STATIC = Path(__file__).resolve().parent.parent / "static"


class Pages(Csrf):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.css = (_STATIC / "consent.css").read_bytes()
        self.style_url = f"{STYLE_PATH}?v={hashlib.sha256(self.css).hexdigest()[:12]}"

    @functools.cached_property
    def env(self) -> Environment:
        """Built on the first page, so jinja2 stays out of the start-up path (and its memory)."""
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        return Environment(
            loader=FileSystemLoader(_TEMPLATES),
            autoescape=select_autoescape(["html"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def _sealer(self, request: Request) -> Sealer | None:
        sealer: Sealer | None = getattr(request.app.state.services, "sealer", None)
        return sealer

    def _upstream(self, request: Request) -> SupabaseAuth | None:
        if self.settings.supabase_url is None or self.settings.supabase_anon_key is None:
            return None
        return SupabaseAuth(SupabaseGateway.from_settings(self.settings, request.app.state.services.http))

    def _csp(self, authorization: AuthorizationState | None) -> str:
        # Chromium applies form-action to every redirect that follows a form POST (checked in a real
        # browser): the chain POST -> 303 Supabase's redirect_url (our /oauth/callback) -> 302 the
        # client's callback must all be allowed. Before the authorization's own state is known we do not
        # know the client; https: is the narrowest source that still lets such a flow finish.
        targets = ["'self'", origin_source(self.settings.public_url)]
        targets.append(origin_source(authorization.redirect_uri) if authorization else "https:")
        sources = " ".join(dict.fromkeys(t for t in targets if t))
        return (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {sources}; frame-ancestors 'none'; base-uri 'none'"
        )

    def _finish(self, response: Response, browser: Browser | None) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = self._csp(browser.authorization if browser else None)
        if browser is not None:
            for base in browser.clear_cookies:
                response.delete_cookie(
                    self._name(base), path="/", secure=self.secure, httponly=True, samesite="lax"
                )
            for base, value, max_age in browser.set_cookies:
                response.set_cookie(
                    self._name(base),
                    value,
                    max_age=max_age,
                    path="/",
                    secure=self.secure,
                    httponly=True,
                    samesite="lax",
                )
        return response

    def _render(
        self,
        template: str,
        browser: Browser | None,
        *,
        status: int = 200,
        sealer: Sealer | None = None,
        authorization_id: str | None = None,
        **context: Any,
    ) -> Response:
        shown = browser.authorization if browser else None
        csrf = ""
        if browser is not None and sealer is not None and authorization_id is not None:
            csrf = self._csrf_token(sealer, browser.csrf_nonce, authorization_id)
        base: dict[str, Any] = {
            "product": PRODUCT_NAME,
            "style_url": self.style_url,
            "client_name": shown.client_name if shown else None,
            "redirect_host": display_host(shown.redirect_uri) if shown else None,
            "authorization_id": authorization_id,
            "csrf": csrf,
            "consent_url": f"{CONSENT_PATH}?{urlencode({'authorization_id': authorization_id})}"
            if authorization_id
            else None,
            "error": None,
            "notice": None,
            "email_code": self.settings.consent_email_code,
        }
        base.update(context)
        html = self.env.get_template(template).render(base)
        return self._finish(HTMLResponse(html, status_code=status), browser)

    def _message(
        self, browser: Browser | None, status: int, title: str, text: str, *, retry_id: str | None = None
    ) -> Response:
        return self._render(
            "message.html", browser, status=status, title=title, text=text, authorization_id=retry_id
        )

    def _unavailable(self, browser: Browser | None, authorization_id: str | None = None) -> Response:
        return self._message(
            browser,
            503,
            "Sign-in is unavailable right now",
            "We could not reach the sign-in service. Wait a moment, then try again.",
            retry_id=authorization_id,
        )

    def _expired(self, browser: Browser | None, status: int = 404) -> Response:
        return self._message(
            browser,
            status,
            "This request has expired",
            "This connection request is no longer valid. Go back to the app you were connecting "
            "and start again.",
        )

    def _already_answered(self, browser: Browser) -> Response:
        return self._message(
            browser,
            409,
            "This request was already answered",
            "You already answered this request. Go back to the app you were connecting; if it is not "
            "connected, start again from there.",
        )

    def _not_this_browser(self, browser: Browser) -> Response:
        browser.clear_cookies.append(PENDING_COOKIE)
        return self._message(browser, 403, NOT_THIS_BROWSER_TITLE, NOT_THIS_BROWSER_TEXT)

    def _consent_page(self, browser: Browser, sealer: Sealer, authorization_id: str) -> Response:
        assert browser.authorization is not None
        scope = browser.authorization.scope
        permissions = [SCOPE_TEXT[s] for s in dict.fromkeys(scope.split()) if s in SCOPE_TEXT]
        return self._render(
            "consent.html",
            browser,
            sealer=sealer,
            authorization_id=authorization_id,
            email=(browser.session or {}).get("m") or "",
            permissions=permissions,
            can_write=not self.settings.read_only,
        )

    def _redirect(self, url: str, browser: Browser | None) -> Response:
        return self._finish(RedirectResponse(url, status_code=303), browser)

    def _back_to_page(self, authorization_id: str, browser: Browser) -> Response:
        return self._redirect(f"{CONSENT_PATH}?{urlencode({'authorization_id': authorization_id})}", browser)

    async def _form(self, request: Request) -> dict[str, str] | None:
        """Parse a urlencoded form body (no python-multipart dependency); None when it is not one."""
        if (
            request.headers.get("content-type", "").split(";")[0].strip()
            != "application/x-www-form-urlencoded"
        ):
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        try:
            parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return None
        return {k: v[0] for k, v in parsed.items()}

    async def _post_prelude(
        self, request: Request
    ) -> tuple[Sealer, SupabaseAuth, Browser, dict[str, str], str] | Response:
        """Common start of every POST: configuration, form, authorization id, CSRF."""
        sealer, upstream = self._sealer(request), self._upstream(request)
        if sealer is None or upstream is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        form = await self._form(request)
        if form is None:
            return self._message(
                browser, 400, "Something went wrong", "The form could not be read. Try again."
            )
        authorization_id = form.get("authorization_id", "")
        if not AUTHORIZATION_ID.fullmatch(authorization_id):
            return self._message(
                browser, 400, "This link is incomplete", "Start again from the app you were connecting."
            )
        if not self._csrf_ok(request, sealer, form, authorization_id):
            log.info("consent csrf check failed")
            return self._message(
                browser,
                403,
                "Your form expired",
                "For your safety we could not accept that form. Make sure cookies are allowed for this "
                "site, then try again.",
                retry_id=authorization_id,
            )
        return sealer, upstream, browser, form, authorization_id

    def _unconfigured(self) -> Response:
        return self._message(
            None,
            503,
            "Sign-in is not set up",
            "This server is not configured for sign-in. Its operator needs to finish the setup.",
        )

    def _sign_in_again(
        self, browser: Browser, sealer: Sealer, authorization_id: str, *, status: int = 401
    ) -> Response:
        """The session is gone or Supabase refused its token: drop it and show the sign-in form."""
        browser.clear_cookies.append(SESSION_COOKIE)
        browser.session = None
        return self._render(
            "signin.html",
            browser,
            status=status,
            sealer=sealer,
            authorization_id=authorization_id,
            notice="Your sign-in expired. Please sign in again.",
        )

    async def style(self, request: Request) -> Response:
        return Response(
            self.css,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )


def origin_source(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    if re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme or ""):
        return f"{parts.scheme}:"
    return ""


def display_host(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.hostname or parts.scheme or uri
