"""`import_workouts` and `export_workouts` through the SDK's own client, on both stores."""

from __future__ import annotations

import json
from pathlib import Path

from tests.surface.conftest import Who, connect
from tests.surface.test_tools import call, call_error
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.transfer_tools import MAX_EXPORT_CHARS, MAX_IMPORT_CHARS

FIXTURES = Path(__file__).parents[1] / "imports" / "fixtures"


async def test_import_a_pasted_file_then_again_adds_nothing(store_and_who: tuple[WorkoutStore, Who]) -> None:
    text = (FIXTURES / "hevy_kg.csv").read_text()
    async with connect(store_and_who[0]) as client:
        preview = await call(client, "import_workouts", {"csv": text, "dry_run": True})
        assert preview["saved"] is None and preview["preview"]["workouts"] == 3
        assert (await call(client, "list_workouts", {}))["total"] == 0
        first = await call(client, "import_workouts", {"csv": text})
        assert first["saved"]["workouts_added"] == 3 and first["saved"]["exercises_created"] == [
            "Sissy Squat"
        ]
        again = await call(client, "import_workouts", {"csv": text, "source": "hevy"})
        assert again["saved"]["workouts_added"] == 0 and again["saved"]["workouts_skipped"] == 3
        assert (await call(client, "list_workouts", {}))["total"] == 3


async def test_import_errors_name_the_line_or_the_way_around_the_limit(
    store_and_who: tuple[WorkoutStore, Who],
) -> None:
    bad = (FIXTURES / "strong_comma.csv").read_text().replace(",102.5,", ",lots,")
    async with connect(store_and_who[0]) as client:
        message = await call_error(client, "import_workouts", {"csv": bad})
        assert "line 5, column 'Weight'" in message and "Nothing was imported" in message
        huge = "x" * (MAX_IMPORT_CHARS + 1)
        message = await call_error(client, "import_workouts", {"csv": huge})
        assert "workout-mcp import FILE" in message
        assert (await call(client, "list_workouts", {}))["total"] == 0


async def test_read_only_keeps_export_and_hides_import(store_and_who: tuple[WorkoutStore, Who]) -> None:
    async with connect(store_and_who[0], read_only=True) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "export_workouts" in names and "import_workouts" not in names


async def test_export_is_bounded_and_says_where_the_rest_is(store_and_who: tuple[WorkoutStore, Who]) -> None:
    store = store_and_who[0]
    async with connect(store) as client:
        await call(client, "import_workouts", {"csv": (FIXTURES / "strong_comma.csv").read_text()})
        small = await call(client, "export_workouts", {"format": "json"})
        assert small["complete"] and len(json.loads(small["text"])["workouts"]) == 3
        csv = await call(client, "export_workouts", {"since": "2023-01-17", "until": "2023-01-17"})
        assert csv["workouts"] == 1 and csv["text"].count("\n") == 5
        many = "\n".join(
            f"2024-{m:02d}-{d:02d} 10:00:00,Day {m}-{d},1h,Squat,{i},100,5,0,0,,{'long note ' * 10},"
            for m in range(1, 13)
            for d in range(1, 29)
            for i in range(1, 6)
        )
        header = (FIXTURES / "strong_comma.csv").read_text().splitlines()[0]
        await call(client, "import_workouts", {"csv": header + "\n" + many})
        big = await call(client, "export_workouts", {"format": "csv"})
        assert not big["complete"] and len(big["text"]) <= MAX_EXPORT_CHARS
        assert big["workouts_in_range"] == 339 and 0 < big["workouts"] < 339
        assert "workout-mcp export" in big["note"]
        assert big["text"].rstrip().endswith(",")  # the newest workout is the one kept last
