"""The consent page: Supabase's "Authorization Path", where a person signs in and lets an MCP client in.

Supabase's `/auth/v1/oauth/authorize` sends the browser here with `?authorization_id=`. The person signs
in (password, or a code sent by email), then approves or denies through Supabase's
`/auth/v1/oauth/authorizations/{id}` endpoints, and the browser follows Supabase's `redirect_url`.

Security model (nothing is stored server-side, so any machine can serve any step):

- The user's Supabase access token lives only in a sealed, HttpOnly, 15-minute session cookie. It never
  reaches HTML or logs.
- Every form carries a CSRF token sealed by us and bound to this browser's CSRF cookie and to the
  authorization id; every POST checks it. Cookies are `__Host-` on https, `SameSite=Lax`, `HttpOnly`.
- Per-MCP-client consent: we use one upstream Supabase client for every MCP client, so Supabase
  auto-approves a second authorization for a returning user. Without our own check, any client that
  registered with us could ride that earlier approval (confused deputy). So unless this browser's
  sealed "remembered consents" cookie holds (user, MCP client id), the person approves the MCP client
  named by the flow cookie even when Supabase already approved.
- Every redirect is a 303 (a 307 after a POST would make the browser re-POST to the client's callback).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from workout_mcp.auth.flow import FlowContext, cookie_name, read_flow_cookie
from workout_mcp.auth.sealing import Sealer, SealError
from workout_mcp.config import Settings

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger("workout_mcp.auth.consent")

PRODUCT_NAME = "Workout MCP"
CONSENT_PATH = "/oauth/consent"
STYLE_PATH = "/oauth/consent/style.css"

SESSION_COOKIE = "wmcp-consent-session"
SESSION_PURPOSE = "consent-session"
SESSION_TTL_SECONDS = 900  # long enough to read the page; an authorization itself lives 10 minutes

CSRF_COOKIE = "wmcp-consent-csrf"
CSRF_PURPOSE = "consent-csrf"
CSRF_TTL_SECONDS = 3600

REMEMBER_COOKIE = "wmcp-consents"
REMEMBER_PURPOSE = "consent-remembered"
REMEMBER_TTL_SECONDS = 180 * 24 * 3600
REMEMBER_MAX_ENTRIES = 20  # fingerprints of 22 characters keep the cookie far below 4 KB

PENDING_COOKIE = "wmcp-consent-pending"
PENDING_PURPOSE = "consent-pending"
DONE_COOKIE = "wmcp-consent-done"
DONE_PURPOSE = "consent-done"
ANSWER_TTL_SECONDS = 600  # Supabase's authorization TTL

MAX_FORM_BYTES = 8192
_AUTHORIZATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_OTP = re.compile(r"^[0-9]{6,10}$")
_SCOPE_TEXT = {
    "openid": "Confirm that it is you",
    "email": "See your email address",
    "profile": "See your basic profile",
    "phone": "See your phone number",
    "offline_access": "Stay connected until you disconnect it",
}

_TEMPLATES = Path(__file__).parent / "templates"
_STATIC = Path(__file__).parent / "static"


# --- upstream: Supabase Auth ------------------------------------------------------------------------


class UpstreamUnavailable(Exception):
    """Supabase did not answer, timed out, or failed on its side (5xx, or a body that is not JSON)."""


class UpstreamRejected(Exception):
    """Supabase answered 4xx. `code` is its `error_code` (or OAuth `error`); the body is never shown."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"supabase answered {status} {code}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class SupabaseSession:
    token: str
    user_id: str
    email: str
    expires_in: int


class SupabaseAuth:
    """The few Auth endpoints the consent page calls, over the shared httpx client."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, anon_key: str, timeout: float) -> None:
        self._http = http
        self._base = f"{base_url}/auth/v1"
        self._anon_key = anon_key
        self._timeout = timeout

    async def _call(self, method: str, path: str, *, body: Any = None, token: str | None = None) -> Any:
        headers = {"apikey": self._anon_key, "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http.request(
                method, f"{self._base}{path}", json=body, headers=headers, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            log.warning(
                "supabase auth unreachable", extra={"path": _label(path), "error": type(exc).__name__}
            )
            raise UpstreamUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("supabase auth failed", extra={"path": _label(path), "status": response.status_code})
            raise UpstreamUnavailable(str(response.status_code))
        try:
            data = response.json()
        except ValueError as exc:
            log.warning(
                "supabase auth answered without json",
                extra={"path": _label(path), "status": response.status_code},
            )
            raise UpstreamUnavailable("not json") from exc
        if response.status_code >= 400:
            code = _error_code(data)
            log.info(
                "supabase auth refused",
                extra={"path": _label(path), "status": response.status_code, "error_code": code},
            )
            raise UpstreamRejected(response.status_code, code)
        return data

    async def password(self, email: str, password: str) -> SupabaseSession:
        data = await self._call(
            "POST", "/token?grant_type=password", body={"email": email, "password": password}
        )
        return _session(data)

    async def send_code(self, email: str) -> None:
        # create_user false: the consent page signs people in, it does not sign strangers up.
        await self._call("POST", "/otp", body={"email": email, "create_user": False})

    async def verify_code(self, email: str, code: str) -> SupabaseSession:
        data = await self._call("POST", "/verify", body={"type": "email", "email": email, "token": code})
        return _session(data)

    async def authorization(self, authorization_id: str, token: str) -> dict[str, Any]:
        data = await self._call(
            "GET", f"/oauth/authorizations/{quote(authorization_id, safe='')}", token=token
        )
        if not isinstance(data, dict):
            raise UpstreamUnavailable("unexpected body")
        return data

    async def decide(self, authorization_id: str, token: str, action: str) -> str:
        data = await self._call(
            "POST",
            f"/oauth/authorizations/{quote(authorization_id, safe='')}/consent",
            body={"action": action},
            token=token,
        )
        url = data.get("redirect_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not _safe_redirect(url):
            log.warning("supabase consent answer has no usable redirect_url")
            raise UpstreamUnavailable("no usable redirect_url")
        return url


def _label(path: str) -> str:
    """The endpoint without the authorization id or query, for logs."""
    return re.sub(r"/oauth/authorizations/[^/]+", "/oauth/authorizations/{id}", path.split("?")[0])


def _error_code(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("error_code", "code", "error"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    return "unknown"


def _session(data: Any) -> SupabaseSession:
    try:
        user = data["user"]
        return SupabaseSession(
            token=str(data["access_token"]),
            user_id=str(user["id"]),
            email=str(user.get("email") or ""),
            expires_in=int(data.get("expires_in") or SESSION_TTL_SECONDS),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UpstreamUnavailable("unexpected session body") from exc


def _safe_redirect(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return bool(scheme) and scheme not in {"javascript", "data", "vbscript", "file", "blob", "about"}


# --- repeated submits ---------------------------------------------------------------------------------


@dataclass
class RecentDecisions:
    """Single-flight memory of recent consent answers, so a double-submitted form gets the same redirect.

    Supabase answers a second POST for the same authorization with "no longer pending", and the first
    answer's code would be lost when the browser abandoned the first navigation. Best effort and
    per-process; the sealed `done` cookie covers the case where the first response did arrive.
    """

    ttl: float = 120.0
    max_entries: int = 1024
    clock: Callable[[], float] = time.monotonic
    _done: OrderedDict[str, tuple[float, str]] = field(default_factory=OrderedDict)
    _inflight: dict[str, asyncio.Future[str]] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        entry = self._done.get(key)
        if entry is None:
            return None
        if entry[0] < self.clock():
            del self._done[key]
            return None
        return entry[1]

    async def once(self, key: str, decide: Callable[[], Awaitable[str]]) -> str:
        known = self.get(key)
        if known is not None:
            return known
        task = self._inflight.get(key)
        if task is None:
            # Its own task: a browser that abandons the first POST (uvicorn may cancel that handler)
            # must not abandon the answer the second POST is waiting for.
            task = asyncio.ensure_future(self._run(key, decide))
            task.add_done_callback(_retrieve)
            self._inflight[key] = task
        return await asyncio.shield(task)

    async def _run(self, key: str, decide: Callable[[], Awaitable[str]]) -> str:
        try:
            url = await decide()
        finally:
            self._inflight.pop(key, None)
        self._done[key] = (self.clock() + self.ttl, url)
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)
        return url


def _retrieve(task: asyncio.Future[str]) -> None:
    """Mark a failed answer's exception as seen: every waiter may have gone away."""
    if not task.cancelled():
        task.exception()


# --- the page -----------------------------------------------------------------------------------------


@dataclass
class _Browser:
    """What this request's cookies say, plus cookies to set or clear on the response."""

    flow: FlowContext | None
    csrf_nonce: str
    session: dict[str, Any] | None
    set_cookies: list[tuple[str, str, int]] = field(default_factory=list)
    clear_cookies: list[str] = field(default_factory=list)


class ConsentPage:
    """Routes of `/oauth/consent`; reads `sealer` and `http` from `app.state.services` per request."""

    def __init__(self, settings: Settings, *, decisions: RecentDecisions | None = None) -> None:
        self.settings = settings
        self.secure = settings.public_url.startswith("https://")
        self.decisions = decisions or RecentDecisions()
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

    def routes(self) -> list[BaseRoute]:
        return [
            Route(CONSENT_PATH, self.show, methods=["GET"]),
            Route(f"{CONSENT_PATH}/password", self.sign_in_password, methods=["POST"]),
            Route(f"{CONSENT_PATH}/otp", self.send_code, methods=["POST"]),
            Route(f"{CONSENT_PATH}/verify", self.verify_code, methods=["POST"]),
            Route(f"{CONSENT_PATH}/decision", self.decide, methods=["POST"]),
            Route(f"{CONSENT_PATH}/signout", self.sign_out, methods=["POST"]),
            Route(STYLE_PATH, self.style, methods=["GET", "HEAD"]),
        ]

    # --- plumbing -----------------------------------------------------------------------------------

    def _sealer(self, request: Request) -> Sealer | None:
        sealer: Sealer | None = getattr(request.app.state.services, "sealer", None)
        return sealer

    def _upstream(self, request: Request) -> SupabaseAuth | None:
        s = self.settings
        if s.supabase_url is None or s.supabase_anon_key is None:
            return None
        return SupabaseAuth(
            request.app.state.services.http,
            s.supabase_url,
            s.supabase_anon_key.get_secret_value(),
            s.upstream_timeout_seconds,
        )

    def _name(self, base: str) -> str:
        return cookie_name(base, secure=self.secure)

    def _browser(self, request: Request, sealer: Sealer) -> _Browser:
        flow = read_flow_cookie(request, sealer, secure=self.secure)
        nonce = request.cookies.get(self._name(CSRF_COOKIE), "")
        set_cookies: list[tuple[str, str, int]] = []
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", nonce):
            nonce = secrets.token_urlsafe(32)
            set_cookies.append((CSRF_COOKIE, nonce, CSRF_TTL_SECONDS))
        session = self._unseal_cookie(request, sealer, SESSION_COOKIE, SESSION_PURPOSE)
        return _Browser(flow=flow, csrf_nonce=nonce, session=session, set_cookies=set_cookies)

    def _unseal_cookie(
        self, request: Request, sealer: Sealer, base: str, purpose: str
    ) -> dict[str, Any] | None:
        blob = request.cookies.get(self._name(base))
        if not blob:
            return None
        try:
            value = sealer.unseal(purpose, blob)
        except SealError:
            return None
        return value if isinstance(value, dict) else None

    def _csrf_token(self, sealer: Sealer, nonce: str, authorization_id: str) -> str:
        return sealer.seal(CSRF_PURPOSE, {"n": _digest(nonce), "a": authorization_id}, CSRF_TTL_SECONDS)

    def _csrf_ok(self, request: Request, sealer: Sealer, form: dict[str, str], authorization_id: str) -> bool:
        nonce = request.cookies.get(self._name(CSRF_COOKIE))
        token = form.get("csrf")
        if not nonce or not token:
            return False
        try:
            claims = sealer.unseal(CSRF_PURPOSE, token)
        except SealError:
            return False
        return (
            isinstance(claims, dict)
            and hmac.compare_digest(str(claims.get("n", "")), _digest(nonce))
            and claims.get("a") == authorization_id
        )

    def _csp(self, flow: FlowContext | None) -> str:
        # Chromium applies form-action to every redirect that follows a form POST (checked in a real
        # browser): the chain POST -> 303 Supabase's redirect_url (our /oauth/callback) -> 302 the
        # client's callback must all be allowed. Without a flow cookie we do not know the client; https:
        # is the narrowest source that still lets such a flow finish.
        targets = ["'self'", _origin_source(self.settings.public_url)]
        targets.append(_origin_source(flow.redirect_uri) if flow else "https:")
        sources = " ".join(dict.fromkeys(t for t in targets if t))
        return (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {sources}; frame-ancestors 'none'; base-uri 'none'"
        )

    def _finish(self, response: Response, browser: _Browser | None) -> Response:
        flow = browser.flow if browser else None
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = self._csp(flow)
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
        browser: _Browser | None,
        *,
        status: int = 200,
        sealer: Sealer | None = None,
        authorization_id: str | None = None,
        **context: Any,
    ) -> Response:
        flow = browser.flow if browser else None
        csrf = ""
        if browser is not None and sealer is not None and authorization_id is not None:
            csrf = self._csrf_token(sealer, browser.csrf_nonce, authorization_id)
        base: dict[str, Any] = {
            "product": PRODUCT_NAME,
            "style_url": self.style_url,
            "client_name": flow.client_name if flow else None,
            "redirect_host": _display_host(flow.redirect_uri) if flow else None,
            "authorization_id": authorization_id,
            "csrf": csrf,
            "consent_url": f"{CONSENT_PATH}?{urlencode({'authorization_id': authorization_id})}"
            if authorization_id
            else None,
            "error": None,
            "notice": None,
        }
        base.update(context)
        html = self.env.get_template(template).render(base)
        return self._finish(HTMLResponse(html, status_code=status), browser)

    def _message(
        self, browser: _Browser | None, status: int, title: str, text: str, *, retry_id: str | None = None
    ) -> Response:
        return self._render(
            "message.html", browser, status=status, title=title, text=text, authorization_id=retry_id
        )

    def _unavailable(self, browser: _Browser | None, authorization_id: str | None = None) -> Response:
        return self._message(
            browser,
            503,
            "Sign-in is unavailable right now",
            "We could not reach the sign-in service. Wait a moment, then try again.",
            retry_id=authorization_id,
        )

    def _expired(self, browser: _Browser | None, status: int = 404) -> Response:
        return self._message(
            browser,
            status,
            "This request has expired",
            "This connection request is no longer valid. Go back to the app you were connecting "
            "and start again.",
        )

    def _redirect(self, url: str, browser: _Browser | None) -> Response:
        return self._finish(RedirectResponse(url, status_code=303), browser)

    def _back_to_page(self, authorization_id: str, browser: _Browser) -> Response:
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
    ) -> tuple[Sealer, SupabaseAuth, _Browser, dict[str, str], str] | Response:
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
        if not _AUTHORIZATION_ID.fullmatch(authorization_id):
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

    def _start_session(self, browser: _Browser, sealer: Sealer, session: SupabaseSession) -> None:
        ttl = max(60, min(SESSION_TTL_SECONDS, session.expires_in - 30))
        payload = {"t": session.token, "s": session.user_id, "m": session.email}
        browser.set_cookies.append((SESSION_COOKIE, sealer.seal(SESSION_PURPOSE, payload, ttl), ttl))

    # --- remembered consents ------------------------------------------------------------------------

    def _remembered(self, request: Request, sealer: Sealer) -> list[str]:
        blob = request.cookies.get(self._name(REMEMBER_COOKIE))
        if not blob:
            return []
        try:
            value = sealer.unseal(REMEMBER_PURPOSE, blob)
        except SealError:
            return []
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def _remember(self, request: Request, sealer: Sealer, browser: _Browser, user_id: str) -> None:
        if browser.flow is None:
            return
        mark = _fingerprint(user_id, browser.flow.client_id)
        kept = [mark, *(m for m in self._remembered(request, sealer) if m != mark)][:REMEMBER_MAX_ENTRIES]
        sealed = sealer.seal(REMEMBER_PURPOSE, kept, REMEMBER_TTL_SECONDS)
        browser.set_cookies.append((REMEMBER_COOKIE, sealed, REMEMBER_TTL_SECONDS))

    def _is_remembered(
        self, request: Request, sealer: Sealer, flow: FlowContext | None, user_id: str
    ) -> bool:
        if flow is None:
            return False
        return _fingerprint(user_id, flow.client_id) in self._remembered(request, sealer)

    # --- routes -------------------------------------------------------------------------------------

    async def style(self, request: Request) -> Response:
        return Response(
            self.css,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    async def show(self, request: Request) -> Response:
        sealer, upstream = self._sealer(request), self._upstream(request)
        if sealer is None or upstream is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        authorization_id = request.query_params.get("authorization_id", "")
        if not _AUTHORIZATION_ID.fullmatch(authorization_id):
            return self._message(
                browser,
                400,
                "This link is incomplete",
                "This page is opened by the app you are connecting. Start again from that app.",
            )
        if browser.session is None:
            return self._render("signin.html", browser, sealer=sealer, authorization_id=authorization_id)
        return await self._show_signed_in(request, sealer, upstream, browser, authorization_id)

    async def _show_signed_in(
        self,
        request: Request,
        sealer: Sealer,
        upstream: SupabaseAuth,
        browser: _Browser,
        authorization_id: str,
    ) -> Response:
        assert browser.session is not None
        user_id, token = str(browser.session.get("s")), str(browser.session.get("t"))
        try:
            answer = await upstream.authorization(authorization_id, token)
        except UpstreamUnavailable:
            return self._unavailable(browser, authorization_id)
        except UpstreamRejected as exc:
            if exc.status in (401, 403):
                return self._sign_in_again(browser, sealer, authorization_id, status=200)
            if exc.status == 400:
                # "Cannot be processed": already answered; or auto-approved on an earlier load and now
                # waiting for the person (a reload); or supabase/auth#2820 (400 for `resource`,
                # `offline_access`, public clients) on a request that is still pending. Show the
                # question; the decision (pending cookie, or Supabase's POST) settles which it was.
                if self._answer(request, sealer, DONE_COOKIE, DONE_PURPOSE, authorization_id, user_id):
                    return self._already_answered(browser)
                return self._consent_page(browser, sealer, authorization_id, scope=None)
            return self._expired(browser)

        redirect_url = answer.get("redirect_url")
        if isinstance(redirect_url, str):
            if not _safe_redirect(redirect_url):
                return self._unavailable(browser, authorization_id)
            # Supabase auto-approved (our one upstream client was approved before). Its approval is
            # not this MCP client's approval: ask unless this browser approved this client already.
            if self._is_remembered(request, sealer, browser.flow, user_id):
                return self._redirect(redirect_url, browser)
            waiting = {"a": authorization_id, "s": user_id, "u": redirect_url}
            browser.set_cookies.append(
                (
                    PENDING_COOKIE,
                    sealer.seal(PENDING_PURPOSE, waiting, ANSWER_TTL_SECONDS),
                    ANSWER_TTL_SECONDS,
                )
            )
            return self._consent_page(browser, sealer, authorization_id, scope=None)
        scope = answer.get("scope") if isinstance(answer.get("scope"), str) else None
        return self._consent_page(browser, sealer, authorization_id, scope=scope)

    def _consent_page(
        self, browser: _Browser, sealer: Sealer, authorization_id: str, *, scope: str | None
    ) -> Response:
        scope = scope or (browser.flow.scope if browser.flow else None) or ""
        permissions = [_SCOPE_TEXT[s] for s in dict.fromkeys(scope.split()) if s in _SCOPE_TEXT]
        return self._render(
            "consent.html",
            browser,
            sealer=sealer,
            authorization_id=authorization_id,
            email=(browser.session or {}).get("m") or "",
            permissions=permissions,
            can_write=not self.settings.read_only,
        )

    def _already_answered(self, browser: _Browser) -> Response:
        return self._message(
            browser,
            409,
            "This request was already answered",
            "You already answered this request. Go back to the app you were connecting; if it is not "
            "connected, start again from there.",
        )

    def _answer(
        self, request: Request, sealer: Sealer, base: str, purpose: str, authorization_id: str, user_id: str
    ) -> str | None:
        value = self._unseal_cookie(request, sealer, base, purpose)
        if value is None or value.get("a") != authorization_id or value.get("s") != user_id:
            return None
        url = value.get("u")
        return url if isinstance(url, str) else None

    async def sign_in_password(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        email, password = form.get("email", "").strip(), form.get("password", "")

        def again(status: int, message: str) -> Response:
            return self._render(
                "signin.html",
                browser,
                status=status,
                sealer=sealer,
                authorization_id=authorization_id,
                email=email,
                error=message,
            )

        if not email or not password or len(email) > 320 or len(password) > 1024:
            return again(400, "Enter your email address and password.")
        try:
            session = await upstream.password(email, password)
        except UpstreamUnavailable:
            return self._unavailable(browser, authorization_id)
        except UpstreamRejected as exc:
            if exc.code == "email_not_confirmed":
                return again(
                    400, "Your email address is not confirmed yet. Open the link in your sign-up email first."
                )
            if exc.status == 429 or exc.code.startswith("over_"):
                return again(429, "Too many attempts. Wait a minute, then try again.")
            if exc.code == "user_banned":
                return again(403, "This account cannot sign in.")
            return again(400, "Wrong email or password.")
        self._start_session(browser, sealer, session)
        return self._back_to_page(authorization_id, browser)

    async def send_code(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        email = form.get("email", "").strip()
        if not email or len(email) > 320 or "@" not in email:
            return self._render(
                "signin.html",
                browser,
                status=400,
                sealer=sealer,
                authorization_id=authorization_id,
                code_email=email,
                error="Enter a valid email address to get a code.",
            )
        try:
            await upstream.send_code(email)
        except UpstreamUnavailable:
            return self._unavailable(browser, authorization_id)
        except UpstreamRejected as exc:
            if exc.status == 429 or exc.code.startswith("over_"):
                return self._render(
                    "signin.html",
                    browser,
                    status=429,
                    sealer=sealer,
                    authorization_id=authorization_id,
                    code_email=email,
                    error="A code was sent very recently. Wait a minute before asking for another.",
                )
            if exc.code in ("validation_failed", "email_address_invalid"):
                return self._render(
                    "signin.html",
                    browser,
                    status=400,
                    sealer=sealer,
                    authorization_id=authorization_id,
                    code_email=email,
                    error="Enter a valid email address to get a code.",
                )
            # Unknown account or sign-ups off: answer as if sent, so the page does not reveal accounts.
        return self._render(
            "otp.html", browser, sealer=sealer, authorization_id=authorization_id, email=email
        )

    async def verify_code(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        email = form.get("email", "").strip()
        code = re.sub(r"[\s-]", "", form.get("code", ""))

        def again(status: int, message: str) -> Response:
            return self._render(
                "otp.html",
                browser,
                status=status,
                sealer=sealer,
                authorization_id=authorization_id,
                email=email,
                error=message,
            )

        if not email or len(email) > 320:
            return self._back_to_page(authorization_id, browser)
        if not _OTP.fullmatch(code):
            return again(400, "Enter the code from the email: 6 digits.")
        try:
            session = await upstream.verify_code(email, code)
        except UpstreamUnavailable:
            return self._unavailable(browser, authorization_id)
        except UpstreamRejected as exc:
            if exc.status == 429 or exc.code.startswith("over_"):
                return again(429, "Too many attempts. Wait a minute, then try again.")
            return again(
                400, "That code is wrong or has expired. Check the latest email, or send a new code."
            )
        self._start_session(browser, sealer, session)
        return self._back_to_page(authorization_id, browser)

    async def sign_out(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        _, _, browser, _, authorization_id = prelude
        browser.clear_cookies.append(SESSION_COOKIE)
        return self._back_to_page(authorization_id, browser)

    async def decide(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        action = form.get("action", "")
        if action not in ("approve", "deny"):
            return self._message(
                browser, 400, "Something went wrong", "Choose Allow or Deny.", retry_id=authorization_id
            )
        if browser.session is None:
            return self._sign_in_again(browser, sealer, authorization_id)
        user_id, token = str(browser.session.get("s")), str(browser.session.get("t"))
        key = _digest(f"{authorization_id}\x00{user_id}\x00{action}")

        done = self.decisions.get(key) or self._done_answer(
            request, sealer, authorization_id, user_id, action
        )
        if done is not None:
            return self._redirect(done, browser)

        pending = self._answer(request, sealer, PENDING_COOKIE, PENDING_PURPOSE, authorization_id, user_id)
        if pending is not None:
            # Supabase already approved upstream; the person now answers for this MCP client.
            browser.clear_cookies.append(PENDING_COOKIE)
            if action == "approve":
                self._remember(request, sealer, browser, user_id)
                self._mark_done(browser, sealer, authorization_id, user_id, action, pending)
                return self._redirect(pending, browser)
            if browser.flow is None:
                return self._message(
                    browser, 200, "Access denied", "Nothing was shared. You can close this window."
                )
            url = self._deny_url(browser.flow)
            self._mark_done(browser, sealer, authorization_id, user_id, action, url)
            return self._redirect(url, browser)

        flow = browser.flow

        async def answer() -> str:
            url = await upstream.decide(authorization_id, token, action)
            if action == "deny" and flow is not None:
                # Supabase's deny URL leads to our /oauth/callback; the flow cookie lets us go straight
                # to the MCP client with RFC 9207's `iss`, the same answer the callback would give.
                return self._deny_url(flow)
            return url

        try:
            url = await self.decisions.once(key, answer)
        except UpstreamUnavailable:
            return self._unavailable(browser, authorization_id)
        except UpstreamRejected as exc:
            if exc.status in (401, 403):
                return self._sign_in_again(browser, sealer, authorization_id)
            if exc.status == 400:
                return self._already_answered(browser)
            return self._expired(browser)
        if action == "approve":
            self._remember(request, sealer, browser, user_id)
        self._mark_done(browser, sealer, authorization_id, user_id, action, url)
        return self._redirect(url, browser)

    def _sign_in_again(
        self, browser: _Browser, sealer: Sealer, authorization_id: str, *, status: int = 401
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

    def _done_answer(
        self, request: Request, sealer: Sealer, authorization_id: str, user_id: str, action: str
    ) -> str | None:
        value = self._unseal_cookie(request, sealer, DONE_COOKIE, DONE_PURPOSE)
        if value is None or (value.get("a"), value.get("s"), value.get("x")) != (
            authorization_id,
            user_id,
            action,
        ):
            return None
        url = value.get("u")
        return url if isinstance(url, str) else None

    def _mark_done(
        self, browser: _Browser, sealer: Sealer, authorization_id: str, user_id: str, action: str, url: str
    ) -> None:
        payload = {"a": authorization_id, "s": user_id, "x": action, "u": url}
        sealed = sealer.seal(DONE_PURPOSE, payload, ANSWER_TTL_SECONDS)
        browser.set_cookies.append((DONE_COOKIE, sealed, ANSWER_TTL_SECONDS))

    def _deny_url(self, flow: FlowContext) -> str:
        """The MCP client's callback with `access_denied` (RFC 6749 §4.1.2.1) and `iss` (RFC 9207)."""
        params = {"error": "access_denied", "error_description": "The user denied the request"}
        if flow.state is not None:
            params["state"] = flow.state
        params["iss"] = self.settings.public_url
        separator = "&" if urlsplit(flow.redirect_uri).query else "?"
        return f"{flow.redirect_uri}{separator}{urlencode(params)}"


def consent_routes(settings: Settings) -> list[BaseRoute]:
    """The consent page's routes, for `create_app`."""
    return ConsentPage(settings).routes()


def _digest(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).rstrip(b"=").decode()


def _fingerprint(user_id: str, client_id: str) -> str:
    # Client ids from our DCR are whole sealed registrations; a short hash keeps the cookie small.
    return _digest(f"{user_id}\x00{client_id}")[:22]


def _origin_source(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    if re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme or ""):
        return f"{parts.scheme}:"
    return ""


def _display_host(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.hostname or parts.scheme or uri
