"""Signing in on the consent page: email + password, or a code sent by email."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp.auth.consent.cookies import SESSION_COOKIE, Browser
from workout_mcp.auth.consent.pages import Pages, log
from workout_mcp.auth.sealing import Sealer
from workout_mcp.supabase import SupabaseError

OTP = re.compile(r"^[0-9]{6,10}$")


CAPTCHA_MESSAGE = (
    "This service's sign-in is protected by a CAPTCHA that this page cannot show, so signing in here "
    "does not work right now. Please tell the service's operator."
)


class SignIn(Pages):
    def _captcha_refused(self, what: str) -> str:
        # The person cannot fix this; the operator can (Supabase: Authentication, Attack Protection).
        log.error(
            "supabase refused the consent page's %s: CAPTCHA protection is on for this project; the consent "
            "page cannot pass a captcha token, so turn off CAPTCHA (Authentication > Attack Protection)",
            what,
        )
        return CAPTCHA_MESSAGE

    def _sign_in_form(
        self,
        browser: Browser,
        sealer: Sealer,
        authorization_id: str,
        status: int,
        error: str,
        **fields: str,
    ) -> Response:
        return self._render(
            "signin.html",
            browser,
            status=status,
            sealer=sealer,
            authorization_id=authorization_id,
            error=error,
            **fields,
        )

    async def sign_in_password(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        email, password = form.get("email", "").strip(), form.get("password", "")

        def again(status: int, message: str) -> Response:
            return self._sign_in_form(browser, sealer, authorization_id, status, message, email=email)

        if not email or not password or len(email) > 320 or len(password) > 1024:
            return again(400, "Enter your email address and password.")
        try:
            session = await upstream.password(email, password)
        except SupabaseError as exc:
            if exc.unavailable:
                return self._unavailable(browser, authorization_id)
            if exc.code == "captcha_failed":
                return again(503, self._captcha_refused("password sign-in"))
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

    def _no_email_codes(self, browser: Browser, authorization_id: str) -> Response:
        return self._message(
            browser,
            404,
            "Sign-in codes are off",
            "This service does not send sign-in codes. Sign in with your password instead.",
            retry_id=authorization_id,
        )

    async def send_code(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        if not self.settings.consent_email_code:
            return self._no_email_codes(browser, authorization_id)
        email = form.get("email", "").strip()

        def again(status: int, message: str) -> Response:
            return self._sign_in_form(browser, sealer, authorization_id, status, message, code_email=email)

        if not email or len(email) > 320 or "@" not in email:
            return again(400, "Enter a valid email address to get a code.")
        try:
            await upstream.send_code(email)
        except SupabaseError as exc:
            if exc.unavailable:
                return self._unavailable(browser, authorization_id)
            if exc.code == "captcha_failed":
                return again(503, self._captcha_refused("sign-in code request"))
            if exc.status == 429 or exc.code.startswith("over_"):
                return again(429, "A code was sent very recently. Wait a minute before asking for another.")
            if exc.code in ("validation_failed", "email_address_invalid"):
                return again(400, "Enter a valid email address to get a code.")
            # Unknown account or sign-ups off: answer as if sent, so the page does not reveal accounts.
        return self._render(
            "otp.html", browser, sealer=sealer, authorization_id=authorization_id, email=email
        )

    async def verify_code(self, request: Request) -> Response:
        prelude = await self._post_prelude(request)
        if isinstance(prelude, Response):
            return prelude
        sealer, upstream, browser, form, authorization_id = prelude
        if not self.settings.consent_email_code:
            return self._no_email_codes(browser, authorization_id)
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
        if not OTP.fullmatch(code):
            return again(400, "Enter the code from the email: 6 digits.")
        try:
            session = await upstream.verify_code(email, code)
        except SupabaseError as exc:
            if exc.unavailable:
                return self._unavailable(browser, authorization_id)
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
