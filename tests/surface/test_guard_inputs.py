"""Writes that never surprise: odd times, NaN, control characters and forged cursors are refused with a
sentence saying why, on both stores, and nothing reaches the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from mcp.shared.exceptions import MCPError

from tests.guard.db import Snapshot, local_snapshot, pg_snapshot
from tests.guard.raw import raw_mcp, text_of
from tests.surface.conftest import Who, connect
from tests.surface.test_tools import call, call_error
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.cursors import encode_cursor

SQUAT = {"exercise": "Squat", "reps": 5, "weight_kg": 100}
PYDANTIC_NOISE = (
    "validation error for",
    "errors.pydantic.dev",
    "input_value",
    "Error executing tool",
    "type=",
)


@pytest.fixture
def holdings(
    store_kind: str, store_and_who: tuple[WorkoutStore, Who], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Snapshot]]:
    """Everything both users own, read straight from SQLite or PostgreSQL."""
    who = store_and_who[1]
    users = (who.a, who.b)
    if store_kind == "local":
        yield lambda: local_snapshot(tmp_path / "w.db", users)
        return
    with psycopg.connect(request.getfixturevalue("supabase_db"), autocommit=True, connect_timeout=5) as conn:
        yield lambda: pg_snapshot(conn, users)


def assert_coach_like(text: str) -> None:
    assert text and not any(noise in text for noise in PYDANTIC_NOISE), text
    assert "Traceback" not in text and "sqlite" not in text.lower() and "psycopg" not in text.lower()


@pytest.mark.parametrize(
    ("started_at", "why"),
    [
        ("0001-01-01T00:00:00Z", "year 1 is outside 1900"),
        ("9999-12-31T23:59:59-05:00", "year 9999 is outside 1900"),
        ("1899-12-31T23:00:00-05:00", "year 1899 is outside 1900"),
    ],
)
async def test_timestamps_in_absurd_years_are_refused_and_nothing_is_stored(
    store_and_who: tuple[WorkoutStore, Who], holdings: Callable[[], Snapshot], started_at: str, why: str
) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": [SQUAT]})
        before = holdings()
        text = await call_error(client, "log_workout", {"started_at": started_at, "sets": [SQUAT]})
        assert why in text and "started_at" in text
        assert_coach_like(text)
        assert holdings() == before
        # The user's reads still work: nothing unreadable was committed.
        assert (await call(client, "list_workouts", {}))["total"] == 1


async def test_a_start_more_than_a_day_ahead_is_refused_with_the_reason(
    store_and_who: tuple[WorkoutStore, Who], holdings: Callable[[], Snapshot]
) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    soon = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    async with connect(store_and_who[0]) as client:
        before = holdings()
        text = await call_error(client, "log_workout", {"started_at": ahead, "sets": [SQUAT]})
        assert "more than a day in the future" in text
        assert holdings() == before
        # Within a day is clock skew or a time zone, not a mistake.
        await call(client, "log_workout", {"started_at": soon, "sets": [SQUAT]})


async def test_timestamps_are_normalised_to_utc(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(
            client,
            "log_workout",
            {
                "started_at": "2026-11-18T23:30:00-05:00",
                "ended_at": "2026-11-19T06:10:00+01:00",
                "sets": [SQUAT],
            },
        )
        assert datetime.fromisoformat(logged["started_at"]) == datetime(2026, 11, 19, 4, 30, tzinfo=UTC)
        assert datetime.fromisoformat(logged["started_at"]).utcoffset() == timedelta(0)
        listed = await call(client, "list_workouts", {"since": "2026-11-19", "until": "2026-11-19"})
        assert [w["id"] for w in listed["workouts"]] == [logged["id"]]


@pytest.mark.parametrize(
    "arguments", [{"until": "9999-12-31"}, {"since": "0001-01-01"}, {"until": "1800-01-01"}]
)
async def test_list_workouts_with_absurd_days_is_a_clear_error(
    store_and_who: tuple[WorkoutStore, Who], arguments: dict[str, Any]
) -> None:
    async with connect(store_and_who[0]) as client:
        text = await call_error(client, "list_workouts", arguments)
    assert "is outside 1900" in text
    assert_coach_like(text)


async def test_argument_errors_read_like_a_coach(store_and_who: tuple[WorkoutStore, Who]) -> None:
    sets = [SQUAT, {"exercise": "Squat", "reps": 5000, "weight_kg": 100}, {"exercise": "Squat", "rpe": 11}]
    async with connect(store_and_who[0]) as client:
        text = await call_error(client, "log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": sets})
        assert "set 2: reps must be between 0 and 1000" in text
        assert "set 3: rpe must be between 1 and 10" in text
        assert_coach_like(text)
        text = await call_error(client, "list_workouts", {"limit": 51, "unit": "stone"})
        assert "limit must be between 1 and 50" in text and "unit must be one of 'kg' or 'lb'" in text
        text = await call_error(client, "log_workout", {"sets": [SQUAT]})
        assert "started_at is required" in text
        text = await call_error(client, "log_workout", {"started_at": "yesterday", "sets": [SQUAT]})
        assert "started_at must be a time with an offset" in text
        text = await call_error(client, "log_workout", {"started_at": "2026-11-18T17:00:00", "sets": [SQUAT]})
        assert "needs a timezone offset" in text
        assert_coach_like(text)


@pytest.mark.parametrize("field", ["weight_kg", "distance_m", "rpe"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
async def test_nan_on_the_wire_says_it_is_not_a_number(
    store_and_who: tuple[WorkoutStore, Who],
    holdings: Callable[[], Snapshot],
    tmp_path: Path,
    field: str,
    value: float,
) -> None:
    before = holdings()
    async with raw_mcp(store_and_who[0], tmp_path) as mcp:
        bad = {"exercise": "Squat", "reps": 5, field: value}
        result = await mcp.call("log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": [SQUAT, bad]})
        session = await mcp.call(
            "log_workout", {"started_at": "2026-11-18T17:00:00Z", "rpe": value, "sets": [SQUAT]}
        )
    assert result["isError"] and session["isError"]
    assert f"set 2: {field} is not a number" in text_of(result)
    assert "rpe is not a number" in text_of(session)
    assert_coach_like(text_of(result))
    assert holdings() == before


@pytest.mark.parametrize("bad", ["\x00", "\u202e", "\u200b", "\ufeff", "\x07", "\n", "\u2066", "\u2028"])
async def test_names_refuse_control_and_invisible_characters(
    store_and_who: tuple[WorkoutStore, Who], holdings: Callable[[], Snapshot], bad: str
) -> None:
    name = f"Race{bad}Lift"
    async with connect(store_and_who[0]) as client:
        before = holdings()
        text = await call_error(client, "add_exercise", {"name": name})
        assert f"invisible or control character (U+{ord(bad):04X} at position 5)" in text
        sets = [{"exercise": name, "reps": 5}]
        text = await call_error(client, "log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": sets})
        assert "set 1: exercise: contains an invisible or control character" in text
        for tool in ("exercise_history", "personal_records"):
            assert "invisible or control" in await call_error(client, tool, {"exercise": name})
        assert "invisible or control" in await call_error(client, "search_exercises", {"query": name})
        assert holdings() == before


async def test_titles_and_notes_keep_line_breaks_and_emoji_but_refuse_nul_and_bidi_overrides(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    async with connect(store_and_who[0]) as client:
        ok = {
            "started_at": "2026-11-18T17:00:00Z",
            "title": "🏋️\u200d♀️ Legs",
            "notes": "felt good\n\ttop set easy",
        }
        logged = await call(client, "log_workout", {**ok, "sets": [SQUAT]})
        assert logged["notes"] == ok["notes"]
        for field, bad in (("title", "Leg\x00day"), ("notes", "see \u202etxt.exe")):
            text = await call_error(client, "log_workout", {**ok, field: bad, "sets": [SQUAT]})
            assert f"{field}: contains an invisible or control character" in text


@pytest.mark.parametrize("offset", [10**30, 2**63, 2**31, -1])
async def test_a_forged_cursor_with_a_huge_offset_is_a_clear_error(
    store_and_who: tuple[WorkoutStore, Who], offset: int
) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": [SQUAT]})
        forged = encode_cursor(offset, {"since": None, "until": None, "limit": 10})
        text = await call_error(client, "list_workouts", {"cursor": forged})
        assert text == "cursor is not valid; call again without a cursor to start over"
        history = encode_cursor(offset, {"exercise": "squat", "since": None, "limit": 50})
        text = await call_error(client, "exercise_history", {"exercise": "Squat", "cursor": history})
        assert "cursor is not valid" in text


async def test_reading_a_missing_workout_resource_says_so_instead_of_a_crash(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    async with connect(store_and_who[0]) as client:
        with pytest.raises(MCPError) as refused:
            await client.read_resource("workout://workouts/00000000-0000-0000-0000-000000000000")
    assert "no workout with id" in str(refused.value)
    assert "Error creating resource" not in str(refused.value)
