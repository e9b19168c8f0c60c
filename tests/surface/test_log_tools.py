"""The training-log tools through the SDK client, on both stores (edit, undo, plans, records, progress,
body weight, retried writes)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.surface.conftest import Who, connect
from tests.surface.test_tools import SQUAT_DAY, call, call_error
from workout_mcp.store.base import WorkoutStore

FIRST_SET = {
    "title": "Push",
    "started_at": "2026-11-19T17:00:00Z",
    "sets": [{"exercise": "Bench Press", "reps": 5, "weight_kg": 80}],
}
PPL = {
    "name": "Push Pull Legs",
    "sessions": [
        {"name": "Push", "exercises": [{"exercise": "Bench Press", "sets": 3, "reps": 5, "weight_kg": 80}]},
        {"name": "Pull", "exercises": [{"exercise": "Barbell Row", "sets": 3, "reps": 8, "rpe": 8}]},
        {"name": "Legs", "exercises": [{"exercise": "Squat", "sets": 5, "reps": 5, "weight_kg": 100}]},
    ],
}


async def _total(client: Client) -> int:
    return int((await call(client, "list_workouts", {}))["total"])


# --- edit as you go --------------------------------------------------------------------------------


async def test_add_sets_appends_in_order_all_or_none(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", FIRST_SET)
        more = [{"exercise": "Bench Press", "reps": 5, "weight_kg": 82.5}, {"exercise": "Dip", "reps": 10}]
        grown = await call(client, "add_sets", {"workout_id": logged["id"], "sets": more})
        assert [s["position"] for s in grown["sets"]] == [1, 2, 3]
        assert [s["exercise"] for s in grown["sets"]] == ["Bench Press", "Bench Press", "Dip"]
        bad = [{"exercise": "Dip", "reps": 8}, {"exercise": "Moon Press", "reps": 5}]
        error = await call_error(client, "add_sets", {"workout_id": logged["id"], "sets": bad})
        assert "set 5" in error and "Moon Press" in error and "Nothing was saved" in error
        again = await call(client, "get_workout", {"workout_id": logged["id"]})
        assert len(again["sets"]) == 3
        pounds = await call(
            client,
            "add_sets",
            {
                "workout_id": logged["id"],
                "sets": [{"exercise": "Bench Press", "reps": 3, "weight_kg": 200}],
                "weight_unit": "lb",
            },
        )
        assert pounds["unit"] == "lb" and pounds["sets"][3]["weight"] == pytest.approx(200, abs=0.1)


async def test_update_set_fixes_a_weight_and_clears_a_field(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        fixed = await call(
            client,
            "update_set",
            {"workout_id": logged["id"], "position": 3, "weight_kg": 112.5, "clear": ["rpe"]},
        )
        third = fixed["sets"][2]
        assert (third["weight"], third["reps"], third["rpe"]) == (112.5, 3, None)
        swapped = await call(
            client,
            "update_set",
            {"workout_id": logged["id"], "position": 4, "exercise": "Romanian Deadlift", "is_warmup": True},
        )
        assert swapped["sets"][3]["exercise"] == "Romanian Deadlift" and swapped["sets"][3]["is_warmup"]
        assert swapped["volume"] == pytest.approx(5 * 100 + 3 * 112.5)
        records = await call(client, "personal_records", {"exercise": "Squat"})
        assert records["heaviest_set"]["weight"] == 112.5


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"position": 9, "reps": 5}, "no set 9"),
        ({"position": 1}, "nothing to change"),
        ({"position": 1, "reps": -1}, "reps"),
        ({"position": 1, "rpe": 11}, "rpe"),
        ({"position": 1, "rpe": 8, "clear": ["rpe"]}, "not both"),
        ({"position": 1, "exercise": "Moon Squat"}, "Moon Squat"),
        ({"position": 1, "clear": ["reps"]}, "reps, duration_s or distance_m"),
    ],
)
async def test_bad_set_changes_are_refused_and_change_nothing(
    store_and_who: tuple[WorkoutStore, Who], args: dict[str, Any], fragment: str
) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        assert fragment in await call_error(client, "update_set", {"workout_id": logged["id"], **args})
        assert (await call(client, "get_workout", {"workout_id": logged["id"]}))["sets"] == logged["sets"]


async def test_delete_set_keeps_positions_dense(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        after = await call(client, "delete_set", {"workout_id": logged["id"], "position": 2})
        assert [s["position"] for s in after["sets"]] == [1, 2, 3]
        assert [s["weight"] for s in after["sets"]] == [60, 110, 140]
        for _ in range(2):
            after = await call(client, "delete_set", {"workout_id": logged["id"], "position": 1})
        assert [(s["position"], s["exercise"]) for s in after["sets"]] == [(1, "Deadlift")]
        assert "only set" in await call_error(
            client, "delete_set", {"workout_id": logged["id"], "position": 1}
        )
        assert "no set 2" in await call_error(
            client, "delete_set", {"workout_id": logged["id"], "position": 2}
        )


async def test_update_workout_changes_its_own_fields(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        changed = await call(
            client,
            "update_workout",
            {
                "workout_id": logged["id"],
                "title": "Legs, heavy",
                "ended_at": "2026-11-18T18:30:00+00:00",
                "clear": ["rpe"],
                "notes": "knees fine",
            },
        )
        assert (changed["title"], changed["notes"], changed["rpe"]) == ("Legs, heavy", "knees fine", None)
        assert changed["ended_at"].startswith("2026-11-18T18:30")
        assert changed["sets"] == logged["sets"]
        error = await call_error(
            client, "update_workout", {"workout_id": logged["id"], "started_at": "2026-11-18T19:00:00Z"}
        )
        assert "ended_at must not be before started_at" in error
        assert "nothing to change" in await call_error(client, "update_workout", {"workout_id": logged["id"]})
        again = await call(client, "get_workout", {"workout_id": logged["id"]})
        assert again["started_at"] == changed["started_at"]


# --- undo ------------------------------------------------------------------------------------------


async def test_deleted_workouts_never_count_and_restore_brings_every_set_back(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    async with connect(store_and_who[0]) as client:
        logged = await call(client, "log_workout", SQUAT_DAY)
        done = await call(client, "delete_workout", {"workout_id": logged["id"]})
        assert done["already_deleted"] is False and done["restorable_until"] > done["deleted_at"]
        assert await _total(client) == 0
        assert (await call(client, "personal_records", {"exercise": "Squat"}))["working_sets"] == 0
        assert (await call(client, "personal_records", {}))["total"] == 0
        assert (await call(client, "exercise_history", {"exercise": "Squat"}))["total"] == 0
        summary = await call(client, "training_summary", {"period": "week", "periods": 1})
        assert summary["sessions"] == 0
        progress = await call(client, "exercise_progress", {"exercise": "Squat", "periods": 2})
        assert all(p["working_sets"] == 0 for p in progress["periods"])
        for tool, args in (
            ("add_sets", {"sets": [{"exercise": "Squat", "reps": 1}]}),
            ("delete_set", {"position": 1}),
        ):
            assert "no workout" in await call_error(client, tool, {"workout_id": logged["id"], **args})
        again = await call(client, "delete_workout", {"workout_id": logged["id"]})
        assert again["already_deleted"] is True and again["deleted_at"] == done["deleted_at"]

        restored = await call(client, "restore_workout", {"workout_id": logged["id"]})
        assert restored["sets"] == logged["sets"] and restored["id"] == logged["id"]
        assert await _total(client) == 1
        assert (await call(client, "personal_records", {"exercise": "Squat"}))["working_sets"] == 2
        missing = "00000000-0000-0000-0000-000000000000"
        assert "30 days" in await call_error(client, "restore_workout", {"workout_id": missing})


# --- retried writes --------------------------------------------------------------------------------


async def test_a_retried_log_workout_saves_one_copy(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        first = await call(client, "log_workout", SQUAT_DAY)
        same_instant = {**SQUAT_DAY, "started_at": "2026-11-18T18:00:00+01:00"}
        retried = await call(client, "log_workout", same_instant)
        assert retried["id"] == first["id"] and await _total(client) == 1
        other = await call(client, "log_workout", {**SQUAT_DAY, "title": "Lower B"})
        assert other["id"] != first["id"] and await _total(client) == 2

        keyed = {**FIRST_SET, "idempotency_key": "phone-42"}
        a = await call(client, "log_workout", keyed)
        b = await call(client, "log_workout", keyed)
        assert a["id"] == b["id"] and await _total(client) == 3
        changed = {**keyed, "title": "Push B"}
        assert "idempotency_key" in await call_error(client, "log_workout", changed)
        assert await _total(client) == 3


async def test_a_deleted_workout_is_not_a_retry_target(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        first = await call(client, "log_workout", {**FIRST_SET, "idempotency_key": "k1"})
        await call(client, "delete_workout", {"workout_id": first["id"]})
        second = await call(client, "log_workout", {**FIRST_SET, "idempotency_key": "k1"})
        assert second["id"] != first["id"] and await _total(client) == 1


# --- records board and progress --------------------------------------------------------------------


async def test_records_board_one_line_per_exercise_newest_record_first(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", SQUAT_DAY)  # 2026-11-18
        await call(client, "log_workout", FIRST_SET)  # 2026-11-19
        await call(
            client,
            "log_workout",
            {
                "started_at": "2026-11-10T17:00:00Z",
                "sets": [{"exercise": "Squat", "reps": 1, "weight_kg": 115}],
            },
        )
        board = await call(client, "personal_records", {})
        assert board["view"] == "board" and board["total"] == 3
        names = [line["exercise_name"] for line in board["records"]]
        assert names == ["Bench Press", "Deadlift", "Squat"]  # same record day: by name
        squat = board["records"][2]
        assert squat["heaviest_set"]["weight"] == 115 and squat["heaviest_set"]["reps"] == 1
        assert squat["best_estimated_1rm"]["estimated_1rm"] == pytest.approx(121.0)
        assert squat["record_at"].startswith("2026-11-18") and squat["sessions"] == 2
        single = await call(client, "personal_records", {"exercise": "Squat"})
        assert single["view"] == "exercise"
        assert single["best_estimated_1rm"] == squat["best_estimated_1rm"]
        assert single["heaviest_set"] == squat["heaviest_set"]

        first = await call(client, "personal_records", {"limit": 2, "unit": "lb"})
        rest = await call(
            client, "personal_records", {"limit": 2, "unit": "lb", "cursor": first["next_cursor"]}
        )
        assert [x["exercise_name"] for x in first["records"] + rest["records"]] == names
        assert rest["next_cursor"] is None and first["records"][1]["heaviest_set"]["weight"] == pytest.approx(
            308.6
        )


async def test_exercise_progress_per_week(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        await call(client, "log_workout", SQUAT_DAY)  # week 47
        await call(
            client,
            "log_workout",
            {
                "started_at": "2026-11-03T17:00:00Z",
                "sets": [
                    {"exercise": "Squat", "reps": 5, "weight_kg": 95},
                    {"exercise": "Squat", "reps": 5, "weight_kg": 95},
                ],
            },
        )  # week 45
        progress = await call(
            client, "exercise_progress", {"exercise": "squat", "period": "week", "periods": 3}
        )
        assert [p["label"] for p in progress["periods"]] == ["2026-W45", "2026-W46", "2026-W47"]
        w45, w46, w47 = progress["periods"]
        assert (w45["working_sets"], w45["reps"], w45["volume"]) == (2, 10, 950)
        assert w46["working_sets"] == 0 and w46["top_set"] is None
        assert w47["top_set"]["weight"] == 110 and w47["working_sets"] == 2 and w47["reps"] == 8
        assert w47["best_estimated_1rm"]["estimated_1rm"] == pytest.approx(121.0)
        assert progress["estimated_1rm_change"] == pytest.approx(121.0 - 110.8, abs=0.05)
        monthly = await call(
            client, "exercise_progress", {"exercise": "Squat", "period": "month", "periods": 2}
        )
        assert [p["label"] for p in monthly["periods"]] == ["2026-10", "2026-11"]
        assert "No Such Lift" in await call_error(client, "exercise_progress", {"exercise": "No Such Lift"})


# --- plans -----------------------------------------------------------------------------------------


async def test_plans_know_the_next_session_from_what_was_logged(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    async with connect(store_and_who[0]) as client:
        saved = await call(client, "save_plan", PPL)
        assert saved["next_session"] == "Push" and [s["name"] for s in saved["sessions"]] == [
            "Push",
            "Pull",
            "Legs",
        ]
        assert saved["sessions"][1]["exercises"][0] == {
            "exercise_id": saved["sessions"][1]["exercises"][0]["exercise_id"],
            "exercise": "Barbell Row",
            "sets": 3,
            "reps": 8,
            "weight": None,
            "rpe": 8.0,
            "notes": None,
        }
        logged = await call(client, "log_workout", {**FIRST_SET, "plan_id": saved["id"], "session": "push"})
        assert (logged["plan_id"], logged["plan_session"]) == (saved["id"], "Push")
        assert (
            logged["id"]
            and (await call(client, "get_plan", {"plan": "push pull legs"}))["next_session"] == "Pull"
        )
        pull = {
            "started_at": "2026-11-20T07:00:00Z",
            "sets": [{"exercise": "Barbell Row", "reps": 8, "weight_kg": 70}],
        }
        row_day = await call(client, "log_workout", pull)
        await call(
            client,
            "add_sets",
            {
                "workout_id": row_day["id"],
                "sets": [{"exercise": "Pull-Up", "reps": 8}],
                "plan_id": "Push Pull Legs",
                "session": "Pull",
            },
        )
        plan = await call(client, "get_plan", {"plan": saved["id"]})
        assert plan["next_session"] == "Legs"
        assert [s["times_logged"] for s in plan["sessions"]] == [1, 1, 0]

        await call(client, "delete_workout", {"workout_id": row_day["id"]})
        assert (await call(client, "get_plan", {"plan": saved["id"]}))["next_session"] == "Pull"

        replaced = await call(
            client,
            "save_plan",
            {**PPL, "name": "push pull LEGS", "weight_unit": "lb", "sessions": PPL["sessions"][:2]},
        )
        assert replaced["id"] == saved["id"] and replaced["name"] == "push pull LEGS"
        assert replaced["sessions"][0]["exercises"][0]["weight"] == 80 and replaced["unit"] == "lb"
        listed = await call(client, "list_plans", {})
        assert listed["total"] == 1 and listed["plans"][0]["sessions"] == ["Push", "Pull"]

        assert "no session" in await call_error(
            client, "log_workout", {**SQUAT_DAY, "plan_id": saved["id"], "session": "Arms"}
        )
        assert "together" in await call_error(client, "log_workout", {**SQUAT_DAY, "plan_id": saved["id"]})
        gone = await call(client, "delete_plan", {"plan": saved["id"]})
        assert gone == {"deleted": True, "plan_id": saved["id"], "name": "push pull LEGS"}
        assert "no plan" in await call_error(client, "get_plan", {"plan": saved["id"]})
        assert await _total(client) == 1  # the workout stays, without the link
        assert (await call(client, "list_plans", {}))["total"] == 0


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"sessions": []}, "sessions"),
        ({"sessions": [{"name": "A", "exercises": [{"exercise": "Moon Press"}]}]}, "Moon Press"),
        ({"sessions": [{"name": "A", "exercises": [{"exercise": "Squat"}]}] * 2}, "repeated"),
        ({"sessions": [{"name": "A", "exercises": [{"exercise": "Squat", "sets": 0}]}]}, "sets"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_plans_are_refused_and_nothing_saved(
    store_and_who: tuple[WorkoutStore, Who], change: dict[str, Any], fragment: str
) -> None:
    async with connect(store_and_who[0]) as client:
        assert fragment in await call_error(client, "save_plan", {**PPL, **change})
        assert (await call(client, "list_plans", {}))["total"] == 0


# --- body weight -----------------------------------------------------------------------------------


async def test_body_weight_history_with_a_moving_average(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0]) as client:
        for day, kg in ((10, 82.0), (12, 81.0), (14, 80.0), (19, 79.0)):
            saved = await call(
                client, "log_body_weight", {"weight": kg, "measured_at": f"2026-11-{day}T07:00:00Z"}
            )
            assert saved["weight"] == kg and saved["unit"] == "kg"
        replaced = await call(
            client, "log_body_weight", {"weight": 176.4, "unit": "lb", "measured_at": "2026-11-19T07:00:00Z"}
        )
        assert replaced["weight"] == 176.4
        history = await call(client, "body_weight_history", {"since": "2026-11-12", "window_days": 7})
        assert [e["weight"] for e in history["entries"]] == [81.0, 80.0, 80.0]
        assert [e["moving_average"] for e in history["entries"]] == [81.5, 81.0, 80.0]
        assert history["total"] == 3 and history["change"] == pytest.approx(-1.5)
        page = await call(client, "body_weight_history", {"since": "2026-11-01", "limit": 3})
        assert page["total"] == 4 and len(page["entries"]) == 3
        tail = await call(
            client, "body_weight_history", {"since": "2026-11-01", "limit": 3, "cursor": page["next_cursor"]}
        )
        assert [e["measured_at"][:10] for e in tail["entries"]] == ["2026-11-19"] and tail[
            "next_cursor"
        ] is None
        assert "weight" in await call_error(client, "log_body_weight", {"weight": 5})
        assert "future" in await call_error(
            client, "log_body_weight", {"weight": 80, "measured_at": "2099-01-01T00:00:00Z"}
        )


# --- two users -------------------------------------------------------------------------------------


async def test_two_users_never_touch_each_others_log(store_and_who: tuple[WorkoutStore, Who]) -> None:
    store, who = store_and_who
    async with connect(store) as client:
        mine = await call(client, "log_workout", SQUAT_DAY)
        plan = await call(client, "save_plan", PPL)
        await call(client, "log_body_weight", {"weight": 80, "measured_at": "2026-11-19T07:00:00Z"})
        who.use("b")
        wid = {"workout_id": mine["id"]}
        for tool, args in (
            ("add_sets", {**wid, "sets": [{"exercise": "Squat", "reps": 1}]}),
            ("update_set", {**wid, "position": 1, "reps": 1}),
            ("delete_set", {**wid, "position": 1}),
            ("update_workout", {**wid, "title": "mine now"}),
            ("delete_workout", wid),
            ("restore_workout", wid),
            ("get_plan", {"plan": plan["id"]}),
            ("delete_plan", {"plan": "Push Pull Legs"}),
        ):
            assert "no " in (await call_error(client, tool, args)).lower(), tool
        assert "no plan" in await call_error(
            client, "log_workout", {**SQUAT_DAY, "plan_id": plan["id"], "session": "Push"}
        )
        assert (await call(client, "personal_records", {}))["total"] == 0
        assert (await call(client, "list_plans", {}))["total"] == 0
        assert (await call(client, "body_weight_history", {"since": "2026-11-01"}))["total"] == 0
        assert (await call(client, "log_workout", SQUAT_DAY))["id"] != mine["id"]  # not B's retry of A's
        who.use("a")
        assert (await call(client, "get_workout", wid))["sets"] == mine["sets"]
        assert (await call(client, "get_plan", {"plan": plan["id"]}))["name"] == "Push Pull Legs"


@pytest.mark.parametrize(
    ("tool", "args", "fragment"),
    [
        ("update_workout", {"started_at": "9999-12-31T23:59:59-05:00"}, "out of range"),
        ("update_workout", {"ended_at": "0001-01-01T00:00:00Z"}, "out of range"),
        ("update_workout", {"ended_at": "2026-11-18T19:00:00"}, "timezone"),
        ("update_workout", {"started_at": "2099-01-01T00:00:00Z"}, "out of range"),
        ("log_body_weight", {"weight": 900, "unit": "lb"}, "between 44.1 and 881.8 lb"),
        ("log_body_weight", {"weight": 80, "measured_at": "0001-01-01T00:00:00Z"}, "out of range"),
        ("body_weight_history", {"since": "0001-01-01"}, "1900-01-01"),
        ("body_weight_history", {"until": "9999-12-31"}, "1900-01-01"),
    ],
)
async def test_out_of_range_arguments_are_refused_with_a_reason(
    store_and_who: tuple[WorkoutStore, Who], tool: str, args: dict[str, Any], fragment: str
) -> None:
    async with connect(store_and_who[0]) as client:
        if tool == "update_workout":
            args = {"workout_id": (await call(client, "log_workout", SQUAT_DAY))["id"], **args}
        text = await call_error(client, tool, args)
        assert fragment in text and "Traceback" not in text and "pydantic" not in text
