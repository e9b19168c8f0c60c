from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.surface.conftest import Who, connect
from workout_mcp.store.base import WorkoutStore

SQUAT_DAY = {
    "title": "Lower A",
    "started_at": "2026-11-18T17:00:00Z",
    "ended_at": "2026-11-18T18:10:00Z",
    "rpe": 8,
    "sets": [
        {"exercise": "Squat", "reps": 5, "weight_kg": 60, "is_warmup": True},
        {"exercise": "squat", "reps": 5, "weight_kg": 100},
        {"exercise": "Squat", "reps": 3, "weight_kg": 110, "rpe": 9},
        {"exercise": "Deadlift", "reps": 5, "weight_kg": 140},
    ],
}


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error
    return " ".join(getattr(c, "text", "") for c in result.content)


async def test_lists_every_tool_with_schemas(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {
            "list_workouts",
            "get_workout",
            "exercise_history",
            "personal_records",
            "training_summary",
            "search_exercises",
            "log_workout",
            "add_exercise",
            "delete_workout",
            "import_workouts",
            "export_workouts",
            "add_sets",
            "update_set",
            "delete_set",
            "update_workout",
            "restore_workout",
            "exercise_progress",
            "save_plan",
            "list_plans",
            "get_plan",
            "delete_plan",
            "log_body_weight",
            "body_weight_history",
            "progress_chart",
        }
        assert tools["list_workouts"].input_schema["properties"]["limit"]["maximum"] == 50
        assert tools["personal_records"].output_schema is not None
        assert tools["list_workouts"].annotations.read_only_hint is True


async def test_read_only_hides_write_tools(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0], read_only=True) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert "log_workout" not in names and "delete_workout" not in names and "list_workouts" in names


async def test_log_then_read_back_a_workout(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        assert [s["exercise"] for s in logged["sets"]] == ["Squat", "Squat", "Squat", "Deadlift"]
        assert logged["volume"] == pytest.approx(5 * 100 + 3 * 110 + 5 * 140)
        again = await call(client, "get_workout", {"workout_id": logged["id"]})
        assert again["sets"][2]["rpe"] == 9 and again["title"] == "Lower A"
        listed = await call(client, "list_workouts", {})
        assert listed["total"] == 1 and listed["workouts"][0]["id"] == logged["id"]
        assert listed["workouts"][0]["set_count"] == 4


async def test_pounds_in_and_out(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(
            client,
            "log_workout",
            {
                "started_at": "2026-11-19T07:00:00Z",
                "weight_unit": "lb",
                "sets": [{"exercise": "Bench Press", "reps": 5, "weight_kg": 225}],
            },
        )
        assert logged["unit"] == "lb" and logged["sets"][0]["weight"] == pytest.approx(225, abs=0.1)
        in_kg = await call(client, "get_workout", {"workout_id": logged["id"]})
        assert in_kg["sets"][0]["weight"] == pytest.approx(102.1, abs=0.1)


async def test_personal_records_and_history(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", SQUAT_DAY)
        prs = await call(client, "personal_records", {"exercise": "squat"})
        assert prs["heaviest_set"]["weight"] == 110
        assert prs["best_estimated_1rm"]["estimated_1rm"] == pytest.approx(110 * (1 + 3 / 30), abs=0.1)
        assert prs["working_sets"] == 2
        history = await call(client, "exercise_history", {"exercise": "SQUAT"})
        assert history["total"] == 3 and history["exercise"]["name"] == "Squat"


async def test_training_summary_counts_the_week(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", SQUAT_DAY)
        long_ago = {
            "started_at": "2026-09-01T17:00:00Z",
            "sets": [{"exercise": "Squat", "reps": 5, "weight_kg": 80}],
        }
        await call(client, "log_workout", long_ago)
        summary = await call(client, "training_summary", {"period": "week", "periods": 2})
        this_week = summary["periods"][-1]
        assert len(summary["periods"]) == 2
        assert this_week["sessions"] == 1 and this_week["sets"] == 4 and this_week["working_sets"] == 3
        assert this_week["volume"] == pytest.approx(1530)
        assert this_week["volume_by_muscle_group"]["quads"] == pytest.approx(830)


async def test_pagination_with_cursors(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        for day in range(1, 8):
            await call(
                client,
                "log_workout",
                {
                    "started_at": f"2026-11-0{day}T18:00:00Z",
                    "sets": [{"exercise": "Squat", "reps": 5, "weight_kg": 100 + day}],
                },
            )
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            page = await call(client, "list_workouts", {"limit": 3, **({"cursor": cursor} if cursor else {})})
            seen += [w["id"] for w in page["workouts"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 7 == len(set(seen))
        error = await call_error(client, "list_workouts", {"limit": 2, "cursor": "not-a-cursor"})
        assert "cursor" in error
        page = await call(client, "list_workouts", {"limit": 3})
        assert "different query" in await call_error(
            client, "list_workouts", {"limit": 4, "cursor": page["next_cursor"]}
        )


async def test_search_and_add_exercise(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        found = await call(client, "search_exercises", {"query": "press", "muscle_group": "chest"})
        assert found["total"] >= 1 and all("chest" in e["muscle_groups"] for e in found["exercises"])
        added = await call(
            client, "add_exercise", {"name": "Sled Push", "muscle_groups": ["quads", "glutes"]}
        )
        assert added["custom"] is True
        assert "exists" in (await call_error(client, "add_exercise", {"name": "sled push"})).lower()
        assert "muscle" in await call_error(client, "add_exercise", {"name": "X", "muscle_groups": ["wings"]})
        assert "muscle_group" in await call_error(client, "search_exercises", {"muscle_group": "wings"})


async def test_delete_workout(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        first = await call(client, "delete_workout", {"workout_id": logged["id"]})
        assert first["deleted"] is True and first["already_deleted"] is False
        assert "no workout" in (await call_error(client, "get_workout", {"workout_id": logged["id"]})).lower()
        again = await call(client, "delete_workout", {"workout_id": logged["id"]})
        assert again["already_deleted"] is True and again["deleted_at"] == first["deleted_at"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"started_at": "2026-11-18T17:00:00Z", "sets": []}, "sets"),
        ({"started_at": "yesterday", "sets": [{"exercise": "Squat", "reps": 5}]}, "started_at"),
        ({"started_at": "2026-11-18T17:00:00", "sets": [{"exercise": "Squat", "reps": 5}]}, "timezone"),
        ({"started_at": "2026-11-18T17:00:00Z", "sets": [{"exercise": "Squat", "reps": -1}]}, "reps"),
        (
            {"started_at": "2026-11-18T17:00:00Z", "sets": [{"exercise": "Squat"}]},
            "reps, duration_s or distance_m",
        ),
        (
            {
                "started_at": "2026-11-18T17:00:00Z",
                "ended_at": "2026-11-18T16:00:00Z",
                "sets": [{"exercise": "Squat", "reps": 5}],
            },
            "ended_at",
        ),
        (
            {"started_at": "2026-11-18T17:00:00Z", "sets": [{"exercise": "Squat", "reps": 5, "rpe": 11}]},
            "rpe",
        ),
    ],
)
async def test_bad_workouts_are_refused_with_a_reason_and_nothing_saved(
    store_and_who: tuple[WorkoutStore, Who], args: dict[str, Any], fragment: str
) -> None:
    async with connect(store_and_who[0]) as client:
        assert fragment in await call_error(client, "log_workout", args)
        assert (await call(client, "list_workouts", {}))["total"] == 0


async def test_unknown_exercise_in_a_later_set_saves_nothing(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        sets = [{"exercise": "Squat", "reps": 5, "weight_kg": 100}] * 4 + [
            {"exercise": "Moon Squat", "reps": 5}
        ]
        error = await call_error(client, "log_workout", {"started_at": "2026-11-18T17:00:00Z", "sets": sets})
        assert "set 5" in error and "Moon Squat" in error
        assert (await call(client, "list_workouts", {}))["total"] == 0


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("list_workouts", {"limit": 0}),
        ("list_workouts", {"limit": 51}),
        ("list_workouts", {"since": "2026-11-10", "until": "2026-11-01"}),
        ("get_workout", {}),
        ("exercise_history", {"exercise": ""}),
        ("exercise_history", {"exercise": "No Such Lift"}),
        ("personal_records", {"exercise": "No Such Lift"}),
        ("training_summary", {"periods": 27}),
        ("training_summary", {"period": "decade"}),
        ("search_exercises", {"limit": 1000}),
        ("delete_workout", {"workout_id": "00000000-0000-0000-0000-000000000000"}),
    ],
)
async def test_bad_arguments_are_tool_errors(
    store_and_who: tuple[WorkoutStore, Who], tool: str, args: dict[str, Any]
) -> None:
    async with connect(store_and_who[0]) as client:
        text = await call_error(client, tool, args)
        assert text and "Traceback" not in text


async def test_two_users_never_see_each_other(store_and_who: tuple[WorkoutStore, Who]) -> None:
    store, who = store_and_who
    async with connect(store) as client:
        mine = await call(client, "log_workout", SQUAT_DAY)
        await call(client, "add_exercise", {"name": "Secret Lift"})
        who.use("b")
        assert (await call(client, "list_workouts", {}))["total"] == 0
        assert "no workout" in (await call_error(client, "get_workout", {"workout_id": mine["id"]})).lower()
        assert (
            "no workout" in (await call_error(client, "delete_workout", {"workout_id": mine["id"]})).lower()
        )
        assert (await call(client, "search_exercises", {"query": "Secret"}))["total"] == 0
        assert (await call(client, "personal_records", {"exercise": "Squat"}))["working_sets"] == 0
        theirs = await call(client, "log_workout", {**SQUAT_DAY, "title": "B's day"})
        who.use("a")
        listed = await call(client, "list_workouts", {})
        assert [w["id"] for w in listed["workouts"]] == [mine["id"]]
        assert theirs["id"] != mine["id"]


async def test_resources_and_prompts(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        result = await client.read_resource(f"workout://workouts/{logged['id']}")
        assert logged["id"] in result.contents[0].text
        templates = (await client.list_resource_templates()).resource_templates
        assert any(t.uri_template == "workout://workouts/{workout_id}" for t in templates)
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"weekly_review", "plan_next_session"}
        prompt = await client.get_prompt("plan_next_session", {"goal": "hypertrophy"})
        assert "hypertrophy" in prompt.messages[0].content.text


async def test_more_than_1000_sets_are_never_truncated(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        for day in range(1, 7):
            sets = [{"exercise": "Squat", "reps": 1 + i % 10, "weight_kg": 50 + i % 50} for i in range(200)]
            await call(
                client, "log_workout", {"started_at": f"2026-11-{day + 10:02d}T17:00:00Z", "sets": sets}
            )
        records = await call(client, "personal_records", {"exercise": "Squat"})
        assert records["working_sets"] == 1200
        history = await call(client, "exercise_history", {"exercise": "Squat", "limit": 200})
        assert history["total"] == 1200
        summary = await call(client, "training_summary", {"period": "month", "periods": 1})
        assert summary["periods"][-1]["sets"] == 1200
