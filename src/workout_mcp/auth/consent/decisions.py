"""What the signed-in page shows, and the person's answer: bound to the authorization's own sealed state."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from workout_mcp.auth.consent.cookies import (
    ANSWER_TTL_SECONDS,
    DONE_COOKIE,
    DONE_PURPOSE,
    PENDING_COOKIE,
    PENDING_PURPOSE,
    Browser,
    digest,
)
from workout_mcp.auth.consent.pages import AUTHORIZATION_ID, Pages
from workout_mcp.auth.flow import AuthorizationState
from workout_mcp.auth.sealing import Sealer
from workout_mcp.supabase import SupabaseAuth, SupabaseError


def safe_redirect(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return bool(scheme) and scheme not in {"javascript", "data", "vbscript", "file", "blob", "about"}


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

    def put(self, key: str, value: str) -> None:
        self._done[key] = (self.clock() + self.ttl, value)
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)

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
        self.put(key, url)
        return url


def _retrieve(task: asyncio.Future[str]) -> None:
    """Mark a failed answer's exception as seen: every waiter may have gone away."""
    if not task.cancelled():
        task.exception()


class Decisions(Pages):
    decisions: RecentDecisions

    async def show(self, request: Request) -> Response:
        sealer, upstream = self._sealer(request), self._upstream(request)
        if sealer is None or upstream is None:
            return self._unconfigured()
        browser = self._browser(request, sealer)
        authorization_id = request.query_params.get("authorization_id", "")
        if not AUTHORIZATION_ID.fullmatch(authorization_id):
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
        browser: Browser,
        authorization_id: str,
    ) -> Response:
        assert browser.session is not None
        user_id, token = str(browser.session.get("s")), str(browser.session.get("t"))
        try:
            answer = await upstream.authorization(authorization_id, token)
        except SupabaseError as exc:
            if exc.unavailable:
                return self._unavailable(browser, authorization_id)
            if exc.status in (401, 403):
                return self._sign_in_again(browser, sealer, authorization_id, status=200)
            if exc.status != 400:
                return self._expired(browser)
            # "Cannot be processed": auto-approved or approved on an earlier load and now waiting for
            # the person (a reload: the pending cookie has it); already answered (the done cookie); or
            # supabase/auth#2820 (400 for `resource`, `offline_access`, public clients) on a request
            # that is still pending, which the upstream approval below settles.
            answer = {}
            waiting = self._answer(
                request, sealer, PENDING_COOKIE, PENDING_PURPOSE, authorization_id, user_id
            )
            if waiting is not None:
                answer = {"redirect_url": waiting}
            elif self._answer(request, sealer, DONE_COOKIE, DONE_PURPOSE, authorization_id, user_id):
                return self._already_answered(browser)

        redirect_url = answer.get("redirect_url")
        if not isinstance(redirect_url, str):
            # Pending upstream. Supabase only reveals the authorization's `state` (and with it which MCP
            # client asks, and whether this browser started the flow) in the redirect of an approved
            # authorization, so approve upstream now; the code is followed only after the checks below
            # and the person's own answer. Supabase's approval of our one upstream client means nothing
            # for a particular MCP client anyway (see the module docstring).
            try:
                redirect_url = await self._approve_upstream(upstream, authorization_id, user_id, token)
            except SupabaseError as exc:
                if exc.unavailable:
                    return self._unavailable(browser, authorization_id)
                if exc.status in (401, 403):
                    return self._sign_in_again(browser, sealer, authorization_id, status=200)
                if exc.status == 400:
                    return self._already_answered(browser)
                return self._expired(browser)
        if not safe_redirect(redirect_url):
            return self._unavailable(browser, authorization_id)
        state = self._bind(browser, sealer, redirect_url)
        if state is None:
            return self._not_this_browser(browser)
        if self._is_remembered(request, sealer, state, user_id):
            self._mark_done(browser, sealer, authorization_id, user_id, "approve", redirect_url)
            return self._redirect(redirect_url, browser)
        waiting_for = {"a": authorization_id, "s": user_id, "u": redirect_url}
        browser.set_cookies.append(
            (
                PENDING_COOKIE,
                sealer.seal(PENDING_PURPOSE, waiting_for, ANSWER_TTL_SECONDS),
                ANSWER_TTL_SECONDS,
            )
        )
        return self._consent_page(browser, sealer, authorization_id)

    async def _approve_upstream(
        self, upstream: SupabaseAuth, authorization_id: str, user_id: str, token: str
    ) -> str:
        """Supabase's `redirect_url` for this authorization, approved once even when asked in parallel."""
        key = digest(f"{authorization_id}\x00{user_id}\x00upstream")
        return await self.decisions.once(key, lambda: upstream.decide(authorization_id, token, "approve"))

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
        key = digest(f"{authorization_id}\x00{user_id}\x00answer")
        done = self.decisions.get(key) or self._done_answer(request, sealer, authorization_id, user_id)
        if done is not None:
            answered, _, done_url = done.partition("\x00")
            if answered != action:
                return self._already_answered(browser)
            return self._redirect(done_url, browser)

        url = self._answer(request, sealer, PENDING_COOKIE, PENDING_PURPOSE, authorization_id, user_id)
        if url is None:
            # No question was shown in this browser (another machine's page, a lost cookie, a forged
            # form): the same upstream approval and binding checks as the page itself.
            try:
                url = await self._approve_upstream(upstream, authorization_id, user_id, token)
            except SupabaseError as exc:
                if exc.unavailable:
                    return self._unavailable(browser, authorization_id)
                if exc.status in (401, 403):
                    return self._sign_in_again(browser, sealer, authorization_id)
                if exc.status == 400:
                    return self._already_answered(browser)
                return self._expired(browser)
        state = self._bind(browser, sealer, url) if safe_redirect(url) else None
        if state is None:
            return self._not_this_browser(browser)
        browser.clear_cookies.append(PENDING_COOKIE)
        if action == "approve":
            self._remember(request, sealer, browser, user_id, state)
        else:
            url = self._deny_url(state)
        self._mark_done(browser, sealer, authorization_id, user_id, action, url)
        self.decisions.put(key, f"{action}\x00{url}")
        return self._redirect(url, browser)

    def _deny_url(self, state: AuthorizationState) -> str:
        """The MCP client's callback with `access_denied` (RFC 6749 §4.1.2.1) and `iss` (RFC 9207)."""
        params = {"error": "access_denied", "error_description": "The user denied the request"}
        if state.client_state is not None:
            params["state"] = state.client_state
        params["iss"] = self.settings.public_url
        separator = "&" if urlsplit(state.redirect_uri).query else "?"
        return f"{state.redirect_uri}{separator}{urlencode(params)}"
