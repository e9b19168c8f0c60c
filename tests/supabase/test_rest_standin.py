"""The PostgREST half of the stand-in speaks PostgREST: status codes, headers, error bodies, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.standin.keys import SigningKey
from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def supa(supabase_db: str) -> Iterator[SupabaseStandin]:  # noqa: F811
    with serve_supabase(supabase_db) as running:
        yield running


@pytest.fixture
def rest(supa: SupabaseStandin) -> Iterator[httpx.Client]:
    user = supa.add_user()
    headers = {"apikey": supa.anon_key, "Authorization": f"Bearer {supa.mint(user)}"}
    with httpx.Client(base_url=f"{supa.url}/rest/v1", headers=headers) as client:
        yield client


def test_missing_apikey_gets_the_gateway_401(supa: SupabaseStandin) -> None:
    r = httpx.get(f"{supa.url}/rest/v1/workouts")
    assert r.status_code == 401
    assert r.json() == {
        "message": "No API key found in request",
        "hint": "No `apikey` request header or url param was found.",
    }


def test_anon_key_alone_is_the_anon_role_and_sees_nothing(supa: SupabaseStandin) -> None:
    r = httpx.get(f"{supa.url}/rest/v1/workouts", headers={"apikey": supa.anon_key})
    assert r.status_code == 401
    assert r.json()["code"] == "42501"


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda s, u: s.mint(u, exp=1, iat=0), "PGRST303", "JWT expired"),
        (lambda s, u: s.mint(u, key=SigningKey.es256()), "PGRST301", "No suitable key or wrong key type"),
        (lambda s, u: "abc.def", "PGRST301", "Expected 3 parts in JWT; got 2"),
        (lambda s, u: s.mint(u)[:-4] + "AAAA", "PGRST301", "JWT cryptographic operation failed"),
    ],
)
def test_bad_jwts_get_401_with_invalid_token_challenge(
    supa: SupabaseStandin, make: Any, code: str, message: str
) -> None:
    token = make(supa, supa.add_user())
    r = httpx.get(
        f"{supa.url}/rest/v1/workouts", headers={"apikey": supa.anon_key, "Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401
    assert r.json() == {"code": code, "message": message, "details": None, "hint": None}
    assert r.headers["www-authenticate"] == f'Bearer error="invalid_token", error_description="{message}"'


def test_hs256_token_is_refused(supa: SupabaseStandin) -> None:
    from tests.standin.keys import forge_hs256_with_public_key

    user = supa.add_user()
    token = forge_hs256_with_public_key(supa.state.claims(user), supa.state.keys.signing)
    r = httpx.get(
        f"{supa.url}/rest/v1/workouts", headers={"apikey": supa.anon_key, "Authorization": f"Bearer {token}"}
    )
    assert (r.status_code, r.json()["code"]) == (401, "PGRST301")


def test_filters_order_range_and_exact_count(rest: httpx.Client) -> None:
    params = {"select": "name,kind", "name": "ilike.*press*", "kind": "eq.strength", "order": "name.desc"}
    r = rest.get("/exercises", params=params, headers={"Prefer": "count=exact", "Range": "0-1"})
    assert r.status_code == 206
    total = int(r.headers["content-range"].split("/")[1])
    assert r.headers["content-range"] == f"0-1/{total}" and total > 2
    names = [row["name"] for row in r.json()]
    assert names == sorted(names, reverse=True) and all("press" in n.lower() for n in names)

    everything = rest.get("/exercises", params={**params, "limit": "100"}, headers={"Prefer": "count=exact"})
    assert everything.status_code == 200 and len(everything.json()) == total

    r = rest.get(
        "/exercises",
        params={"select": "name", "muscle_groups": "cs.{calves}", "kind": "in.(strength,cardio)"},
    )
    assert {row["name"] for row in r.json()} == {"Standing Calf Raise", "Running", "Jump Rope"}
    r = rest.get("/exercises", params={"select": "name", "equipment": "is.null", "kind": "neq.cardio"})
    assert {row["name"] for row in r.json()} == {"Yoga", "Hip Flexor Stretch"}


def test_offset_past_the_end_is_416(rest: httpx.Client) -> None:
    r = rest.get("/workouts", params={"offset": "5"}, headers={"Prefer": "count=exact"})
    assert r.status_code == 416
    assert r.json()["code"] == "PGRST103"
    assert r.headers["content-range"] == "*/0"


def test_empty_result_has_star_content_range(rest: httpx.Client) -> None:
    r = rest.get("/workouts", headers={"Prefer": "count=exact"})
    assert (r.status_code, r.json(), r.headers["content-range"]) == (200, [], "*/0")


def test_responses_are_capped_at_max_rows(supa: SupabaseStandin, rest: httpx.Client) -> None:
    supa.rest.max_rows = 10
    try:
        r = rest.get("/exercises", headers={"Prefer": "count=exact"})
    finally:
        supa.rest.max_rows = 1000
    assert len(r.json()) == 10
    assert r.status_code == 206 and r.headers["content-range"].startswith("0-9/")


def test_writes_with_return_representation_and_errors(rest: httpx.Client) -> None:
    rep = {"Prefer": "return=representation"}
    r = rest.post("/workouts", json={"started_at": "2026-05-01T10:00:00Z", "title": "a"}, headers=rep)
    assert r.status_code == 201
    wid = r.json()[0]["id"]
    assert rest.post("/workouts", json={"started_at": "2026-05-02T10:00:00Z"}).status_code == 201
    r = rest.patch("/workouts", params={"id": f"eq.{wid}"}, json={"title": "b"}, headers=rep)
    assert (r.status_code, r.json()[0]["title"]) == (200, "b")
    assert rest.patch("/workouts", params={"id": f"eq.{wid}"}, json={"notes": "n"}).status_code == 204
    r = rest.post("/workouts", json={"started_at": "2026-05-01T10:00:00Z", "rpe": 11})
    assert (r.status_code, r.json()["code"]) == (400, "23514")
    r = rest.post("/exercises", json={"name": "Squat"})
    assert (r.status_code, r.json()["code"]) == (409, "23505")
    r = rest.post("/exercises", json={"name": "Catalogue Hijack", "owner_id": None})
    assert (r.status_code, r.json()["code"]) == (403, "42501")
    r = rest.delete("/workouts", params={"id": f"eq.{wid}"}, headers=rep)
    assert (r.status_code, [w["id"] for w in r.json()]) == (200, [wid])


def test_rpc_unknown_function_is_pgrst202_and_raise_is_400(rest: httpx.Client) -> None:
    r = rest.post("/rpc/drop_everything", json={"please": True})
    assert (r.status_code, r.json()["code"]) == (404, "PGRST202")
    r = rest.post("/rpc/log_workout", json={"payload": {"started_at": "2026-05-01T10:00:00Z", "sets": []}})
    assert r.status_code == 400
    assert r.json() == {
        "code": "P0001",
        "message": "a workout needs at least one set",
        "details": None,
        "hint": None,
    }
    r = rest.post("/rpc/exercise_sets", json={"p_exercise": "Nope"})
    assert (r.status_code, r.json()["code"]) == (404, "PT404")


def test_unknown_table_and_column_and_schema(rest: httpx.Client) -> None:
    assert rest.get("/secrets").json()["code"] == "PGRST205"
    assert rest.get("/workouts", params={"select": "password"}).status_code == 400
    r = rest.get("/workouts", headers={"Accept-Profile": "auth"})
    assert (r.status_code, r.json()["code"]) == (406, "PGRST106")
