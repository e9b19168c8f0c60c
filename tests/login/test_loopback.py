"""The loopback redirect target on its own, reached over real HTTP on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from workout_mcp.login.credentials import LoginError
from workout_mcp.login.loopback import LoopbackReceiver


async def test_the_first_callback_brings_the_code_and_later_hits_change_nothing() -> None:
    async with LoopbackReceiver() as receiver, httpx.AsyncClient(timeout=5) as http:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
        base = receiver.redirect_uri.removesuffix("/callback")
        assert (await http.get(f"{base}/favicon.ico")).status_code == 404
        assert (await http.post(receiver.redirect_uri, data={"code": "c"})).status_code == 404
        first = await http.get(
            receiver.redirect_uri, params={"code": "c1", "state": "s1", "iss": "https://as"}
        )
        again = await http.get(receiver.redirect_uri, params={"code": "c2", "state": "s2"})
        result = await receiver.wait(5)
    assert first.status_code == 200 and "Signed in" in first.text
    assert first.headers["cache-control"] == "no-store"
    assert "Already signed in" in again.text
    assert (result.code, result.state, result.iss) == ("c1", "s1", "https://as")


async def test_a_refusal_fails_the_wait_with_the_servers_reason() -> None:
    async with LoopbackReceiver() as receiver, httpx.AsyncClient(timeout=5) as http:
        page = await http.get(
            receiver.redirect_uri, params={"error": "access_denied", "error_description": "<b>no</b>"}
        )
        with pytest.raises(LoginError, match="access_denied: <b>no</b>"):
            await receiver.wait(5)
    assert "&lt;b&gt;no&lt;/b&gt;" in page.text  # the description is shown escaped


async def test_a_callback_without_a_code_fails_the_wait() -> None:
    async with LoopbackReceiver() as receiver, httpx.AsyncClient(timeout=5) as http:
        await http.get(receiver.redirect_uri, params={"state": "s"})
        with pytest.raises(LoginError, match="without an authorization code"):
            await receiver.wait(5)


async def test_no_answer_in_time_says_to_run_login_again() -> None:
    async with LoopbackReceiver() as receiver:
        with pytest.raises(LoginError, match="run login again"):
            await receiver.wait(0.05)
