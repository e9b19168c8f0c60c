"""`/account`, the "your data" page: upload a Strong / Hevy / our export, preview, confirm, download.

Same sign-in and the same security as the consent page, by reusing its pieces (`auth/consent`): the
sealed HttpOnly session cookie (signing in on either page signs in on both), sealed CSRF tokens bound
to this browser's CSRF cookie, `__Host-` cookies on https, a strict CSP, no JavaScript. Uploads are
untrusted: the body is read up to `MAX_UPLOAD_BYTES` within `UPLOAD_SECONDS`, parsed by
`workout_mcp.transfer` (which never trusts a byte), and the previewed batch waits in a sealed form
field bound to the person (nothing stored on the server) until they confirm. Data is read and
written through PostgREST with the person's own token, so Row Level Security applies.
"""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workout_mcp.auth.consent.cookies import SESSION_COOKIE, Browser
from workout_mcp.auth.consent.pages import Pages, log
from workout_mcp.auth.sealing import Sealer, SealError
from workout_mcp.config import Settings
from workout_mcp.domain.transfer import ImportBatch
from workout_mcp.store.base import AuthExpired, StoreError
from workout_mcp.store.everything import export_everything, import_everything
from workout_mcp.store.supabase import SupabaseStore
from workout_mcp.supabase import SupabaseError
from workout_mcp.transfer import SOURCES, ImportProblem, export_csv, native, parse_file

ACCOUNT_PATH = "/account"
CSRF_BINDING = "account"  # the consent page binds its CSRF tokens to an authorization id; ours to this
BATCH_PURPOSE = "account-import"
BATCH_TTL_SECONDS = 1800
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
UPLOAD_SECONDS = 60
PARSE_SECONDS = 30


class AccountPage(Pages):
    def routes(self) -> list[BaseRoute]:
        return [
            Route(ACCOUNT_PATH, self.show, methods=["GET"]),
            Route(f"{ACCOUNT_PATH}/password", self.sign_in, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/signout", self.sign_out, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/preview", self.preview, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/import", self.confirm, methods=["POST"]),
            Route(f"{ACCOUNT_PATH}/export", self.export, methods=["POST"]),
        ]

    # --- plumbing ----------------------------------------------------------------------------------

    def _page(
        self, template: str, browser: Browser, sealer: Sealer, *, status: int = 200, **ctx: Any
    ) -> Response:
        return self._render(
            template,
            browser,
            status=status,
            sealer=sealer,
            authorization_id=CSRF_BINDING,
            email=(browser.session or {}).get("m") or "",
            sources=SOURCES,
            **ctx,
        )

    def _home(self, browser: Browser) -> Response:
        return self._redirect(ACCOUNT_PATH, browser)

    def _store(self, request: Request, token: str) -> SupabaseStore:
        s = self.settings
        if s.supabase_url is None or s.supabase_anon_key is None:  # _upstream() checked this first
            raise StoreError("Supabase is not configured")

        async def source() -> str:
            return token

        return SupabaseStore(
            request.app.state.services.http,
            s.supabase_url,
            s.supabase_anon_key.get_secret_value(),
            token=source,
            timeout=max(s.upstream_timeout_seconds, 60),
        )

    async def _body(self, request: Request, limit: int) -> bytes | None:
        body = b""
        with anyio.move_on_after(UPLOAD_SECONDS) as scope:
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return None
        return None if scope.cancelled_caught else body

    async def _prelude(
        self, request: Request, *, multipart: bool = False
    ) -> tuple[Sealer, Browser, dict[str, bytes]] | Response:
        """Configuration, a readable bounded form, CSRF, and a live session (else the sign-in form)."""
        sealer = self._sealer(request)
        if sealer is None or self._upstream(request) is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        kind = request.headers.get("content-type", "")
        fields: dict[str, bytes] | None = None
        if multipart and kind.startswith("multipart/form-data"):
            body = await self._body(request, MAX_UPLOAD_BYTES)
            fields = None if body is None else _multipart(kind, body)
        elif not multipart:
            form = await self._form_large(request)
            fields = None if form is None else {k: v.encode() for k, v in form.items()}
        if fields is None:
            return self._page(
                "account.html",
                browser,
                sealer,
                status=413 if multipart else 400,
                error=f"The upload could not be read. Files up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB "
                "work here; for bigger ones use `workout-mcp import FILE`.",
            )
        form_text = {k: v.decode("utf-8", "replace") for k, v in fields.items() if k != "file"}
        if not self._csrf_ok(request, sealer, form_text, CSRF_BINDING):
            log.info("account csrf check failed")
            return self._message(
                browser,
                403,
                "Your form expired",
                "For your safety we could not accept that form. Allow cookies for this site, then try again.",
            )
        if browser.session is None:
            return self._page(
                "account_signin.html",
                browser,
                sealer,
                status=401,
                notice="Your sign-in expired. Please sign in again.",
            )
        return sealer, browser, fields

    async def _form_large(self, request: Request) -> dict[str, str] | None:
        if (
            request.headers.get("content-type", "").split(";")[0].strip()
            != "application/x-www-form-urlencoded"
        ):
            return None
        body = await self._body(request, MAX_UPLOAD_BYTES)
        if body is None:
            return None
        from urllib.parse import parse_qs

        try:
            parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return None
        return {k: v[0] for k, v in parsed.items()}

    def _expired_session(self, browser: Browser, sealer: Sealer) -> Response:
        browser.clear_cookies.append(SESSION_COOKIE)
        browser.session = None
        return self._page(
            "account_signin.html",
            browser,
            sealer,
            status=401,
            notice="Your sign-in expired. Please sign in again.",
        )

    # --- routes ------------------------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        sealer = self._sealer(request)
        if sealer is None or self._upstream(request) is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        if browser.session is None:
            return self._page("account_signin.html", browser, sealer)
        return self._page("account.html", browser, sealer)

    async def sign_in(self, request: Request) -> Response:
        sealer, upstream = self._sealer(request), self._upstream(request)
        if sealer is None or upstream is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        form = await self._form(request)
        if form is None or not self._csrf_ok(request, sealer, form, CSRF_BINDING):
            return self._message(browser, 403, "Your form expired", "Reload the page and try again.")
        email, password = form.get("email", "").strip(), form.get("password", "")
        if not email or not password or len(email) > 320 or len(password) > 1024:
            return self._page(
                "account_signin.html",
                browser,
                sealer,
                status=400,
                error="Enter your email address and password.",
            )
        try:
            session = await upstream.password(email, password)
        except SupabaseError as exc:
            if exc.unavailable:
                return self._unavailable(browser)
            if exc.status == 429 or exc.code.startswith("over_"):
                return self._page(
                    "account_signin.html",
                    browser,
                    sealer,
                    status=429,
                    error="Too many attempts. Wait a minute, then try again.",
                )
            return self._page(
                "account_signin.html",
                browser,
                sealer,
                status=400,
                error="Wrong email or password.",
                email_value=email,
            )
        self._start_session(browser, sealer, session)
        return self._home(browser)

    async def sign_out(self, request: Request) -> Response:
        prelude = await self._prelude(request)
        if isinstance(prelude, Response):
            return prelude
        _, browser, _ = prelude
        browser.clear_cookies.append(SESSION_COOKIE)
        return self._home(browser)

    async def preview(self, request: Request) -> Response:
        prelude = await self._prelude(request, multipart=True)
        if isinstance(prelude, Response):
            return prelude
        sealer, browser, fields = prelude
        data = fields.get("file", b"")
        source = fields.get("source", b"auto").decode("ascii", "replace")
        unit = "lb" if fields.get("weight_unit") == b"lb" else "kg"
        zone = fields.get("timezone", b"UTC").decode("utf-8", "replace")[:64] or "UTC"
        try:
            with anyio.fail_after(PARSE_SECONDS):
                parsed = await anyio.to_thread.run_sync(
                    lambda: parse_file(
                        data,
                        source=source,  # type: ignore[arg-type]
                        weight_unit=unit,  # type: ignore[arg-type]
                        timezone=zone,
                        max_bytes=MAX_UPLOAD_BYTES,
                    )
                )
        except ImportProblem as exc:
            return self._page(
                "account.html",
                browser,
                sealer,
                status=400,
                error=f"That file cannot be imported: {exc}. Nothing was imported.",
            )
        except TimeoutError:
            return self._page(
                "account.html",
                browser,
                sealer,
                status=400,
                error="That file took too long to read. Use `workout-mcp import FILE` for it.",
            )
        packed = base64.b64encode(zlib.compress(parsed.batch.model_dump_json().encode(), 6)).decode()
        user = str(browser.session.get("s")) if browser.session else ""
        sealed = sealer.seal(BATCH_PURPOSE, {"s": user, "b": packed}, BATCH_TTL_SECONDS)
        return self._page("account_preview.html", browser, sealer, preview=parsed.preview, batch=sealed)

    async def confirm(self, request: Request) -> Response:
        prelude = await self._prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, browser, fields = prelude
        session = browser.session or {}
        try:
            held = sealer.unseal(BATCH_PURPOSE, fields.get("batch", b"").decode())
            if not isinstance(held, dict) or held.get("s") != session.get("s"):
                raise SealError("not this person's upload")
            raw = zlib.decompressobj().decompress(base64.b64decode(held["b"]), 64 * MAX_UPLOAD_BYTES)
            batch = ImportBatch.model_validate_json(raw)
        except (SealError, KeyError, ValueError, zlib.error):
            return self._page(
                "account.html",
                browser,
                sealer,
                status=400,
                error="That preview expired. Upload the file again.",
            )
        try:
            outcome = await import_everything(self._store(request, str(session.get("t"))), batch)
        except AuthExpired:
            return self._expired_session(browser, sealer)
        except StoreError as exc:
            return self._page("account.html", browser, sealer, status=400, error=f"{exc}")
        return self._page("account_report.html", browser, sealer, outcome=outcome)

    async def export(self, request: Request) -> Response:
        prelude = await self._prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, browser, fields = prelude
        fmt = "csv" if fields.get("format") == b"csv" else "json"
        try:
            store = self._store(request, str((browser.session or {}).get("t")))
            log_export = await export_everything(store, since=None, until=None)
        except AuthExpired:
            return self._expired_session(browser, sealer)
        except StoreError as exc:
            return self._page("account.html", browser, sealer, status=503, error=f"{exc}")
        text = export_csv.dumps(log_export) if fmt == "csv" else native.dumps(log_export)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        response = Response(
            text.encode(),
            media_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
            headers={"Content-Disposition": f'attachment; filename="workout-log-{stamp}.{fmt}"'},
        )
        return self._finish(response, browser)


def _multipart(content_type: str, body: bytes) -> dict[str, bytes] | None:
    """The fields of a multipart/form-data body (stdlib parser; no python-multipart dependency)."""
    try:
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
    except (ValueError, UnicodeEncodeError):
        return None
    if not message.is_multipart():
        return None
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or len(fields) >= 10:
            continue
        payload = part.get_payload(decode=True)
        fields[name] = payload if isinstance(payload, bytes) else b""
    return fields


def account_routes(settings: Settings) -> list[BaseRoute]:
    return AccountPage(settings).routes()


__all__ = ["ACCOUNT_PATH", "AccountPage", "account_routes"]
