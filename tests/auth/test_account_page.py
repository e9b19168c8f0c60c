"""`/account` without a browser: CSRF, the sealed preview bound to its person, bounded uploads, headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tests.browser.harness import rig_settings
from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from workout_mcp.app import create_app
from workout_mcp.auth.account import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.postgres

APP = "http://127.0.0.1:8000"
FIXTURES = Path(__file__).resolve().parents[1] / "imports" / "fixtures"
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def supa(supabase_db: str) -> AsyncIterator[SupabaseStandin]:  # noqa: F811
    with serve_supabase(supabase_db) as running:
        yield running


async def signed_in(supa: SupabaseStandin, email: str) -> httpx.AsyncClient:
    supa.add_user(email, PASSWORD)
    settings = rig_settings(APP, supa.url, supa.anon_key, SimpleNamespace(id="srv", secret="s"))  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url=APP)
    page = await client.get("/account")
    await client.post(
        "/account/password", data={"csrf": csrf_of(page.text), "email": email, "password": PASSWORD}
    )
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


async def preview(client: httpx.AsyncClient, data: bytes) -> httpx.Response:
    page = await client.get("/account")
    return await client.post(
        "/account/preview",
        data={"csrf": csrf_of(page.text), "source": "auto"},
        files={"file": ("f.csv", data)},
    )


async def test_headers_and_sign_in_gate(supa: SupabaseStandin) -> None:
    client = await signed_in(supa, "kim@example.com")
    page = await client.get("/account")
    assert "upload-form" in page.text
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=APP)
    assert "password-form" in (await anonymous.get("/account")).text


async def test_forms_without_the_csrf_token_are_refused(supa: SupabaseStandin) -> None:
    client = await signed_in(supa, "lee@example.com")
    answer = await client.post("/account/export", data={"format": "json"})
    assert answer.status_code == 403
    answer = await client.post("/account/preview", data={"csrf": "forged"}, files={"file": ("f.csv", b"x")})
    assert answer.status_code == 403


async def test_a_preview_opens_only_for_the_person_who_uploaded_it(supa: SupabaseStandin) -> None:
    alice = await signed_in(supa, "alice@example.com")
    mallory = await signed_in(supa, "mallory@example.com")
    shown = await preview(alice, (FIXTURES / "hevy_kg.csv").read_bytes())
    assert shown.status_code == 200
    batch = re.search(r'name="batch" value="([^"]+)"', shown.text)
    assert batch is not None
    page = await mallory.get("/account")
    answer = await mallory.post("/account/import", data={"csrf": csrf_of(page.text), "batch": batch.group(1)})
    assert answer.status_code == 400 and "preview expired" in answer.text
    exported = await mallory.post("/account/export", data={"csrf": csrf_of(page.text), "format": "json"})
    assert '"workouts": []' in exported.text
    page = await alice.get("/account")
    done = await alice.post("/account/import", data={"csrf": csrf_of(page.text), "batch": batch.group(1)})
    assert "Added 3 workouts (11 sets)" in done.text


async def test_uploads_are_bounded_and_bad_files_named(supa: SupabaseStandin) -> None:
    client = await signed_in(supa, "max@example.com")
    too_big = await preview(client, b"a" * (MAX_UPLOAD_BYTES + 10))
    assert too_big.status_code == 413
    bad = await preview(client, b"name,age\nbob,3\n")
    assert bad.status_code == 400 and "not a Strong, Hevy or workout-mcp export" in bad.text
