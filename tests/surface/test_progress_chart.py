"""`progress_chart` through the SDK's client: a PNG that decodes at 800x450 with one point per period,
and the same figures as structured content, checked against sums done here from the raw sets."""

from __future__ import annotations

import base64
import io
import math
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from PIL import Image

from tests.surface.conftest import TODAY, connect
from workout_mcp.domain.units import from_kg
from workout_mcp.store.base import WorkoutStore
from workout_mcp.store.demo import fill_demo
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.dashboard import APP_MIME_TYPE, DASHBOARD_URI


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[WorkoutStore]:
    store = LocalStore(tmp_path / "demo.db")
    await fill_demo(store, weeks=12, today=TODAY)
    try:
        yield store
    finally:
        await store.aclose()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def weekly_best_e1rm(client: Client, exercise: str, since: date) -> dict[date, float]:
    """Best Epley estimate per ISO week, from every set `exercise_history` lists (paged through)."""
    best: dict[date, float] = {}
    cursor = None
    while True:
        args: dict[str, Any] = {"exercise": exercise, "limit": 200, "since": since.isoformat()}
        if cursor:
            args["cursor"] = cursor
        page = (await client.call_tool("exercise_history", args)).structured_content
        assert page is not None
        for s in page["sets"]:
            if s["is_warmup"] or not s["reps"] or s["weight"] is None or s["reps"] > 12:
                continue
            e1rm = s["weight"] if s["reps"] == 1 else s["weight"] * (1 + s["reps"] / 30)
            week = monday(date.fromisoformat(s["performed_at"][:10]))
            best[week] = max(best.get(week, 0.0), e1rm)
        cursor = page["next_cursor"]
        if not cursor:
            return best


def image_of(result: Any) -> Image.Image:
    blocks = [b for b in result.content if b.type == "image"]
    assert len(blocks) == 1 and blocks[0].mime_type == "image/png"
    image = Image.open(io.BytesIO(base64.b64decode(blocks[0].data)))
    image.load()
    return image


async def test_estimated_1rm_chart_is_a_png_with_one_point_per_week_of_data(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        result = await client.call_tool(
            "progress_chart", {"exercise": "squat", "period": "week", "periods": 12}
        )
        assert not result.is_error, result.content
        chart = result.structured_content
        assert chart is not None
        start = date.fromisoformat(chart["start"])
        assert start == monday(TODAY) - timedelta(weeks=11)
        expected = await weekly_best_e1rm(client, "Squat", start)
        assert expected, "the demo log has squats in the window"

        assert chart["metric"] == "estimated_1rm" and chart["exercise_name"] == "Squat"
        assert chart["value_label"] == "estimated 1RM (kg)"
        got = {date.fromisoformat(p["start"]): p["value"] for p in chart["points"]}
        assert got.keys() == expected.keys()
        for week, value in expected.items():
            assert got[week] == pytest.approx(value, abs=0.051)  # rounded to 0.1
        assert chart["best"] == max(got.values())

        image = image_of(result)
        assert image.size == (800, 450)
        assert chart["image"] == {
            "mime_type": "image/png",
            "width": 800,
            "height": 450,
            "points_drawn": len(expected),
        }
        # A client that reads only text still gets the figures.
        text = [b.text for b in result.content if b.type == "text"]
        assert len(text) == 1 and '"points"' in text[0]


async def test_pounds_convert_every_value(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        kg = (
            await client.call_tool("progress_chart", {"exercise": "Bench Press", "metric": "top_set"})
        ).structured_content
        lb = (
            await client.call_tool(
                "progress_chart", {"exercise": "Bench Press", "metric": "top_set", "unit": "lb"}
            )
        ).structured_content
        assert kg is not None and lb is not None
        assert lb["value_label"] == "top set (lb)"
        assert len(kg["points"]) == len(lb["points"]) > 0
        for a, b in zip(kg["points"], lb["points"], strict=True):
            assert b["value"] == pytest.approx(from_kg(a["value"], "lb"), abs=0.1)


async def test_weekly_volume_matches_training_summary(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        chart = (await client.call_tool("progress_chart", {"periods": 8})).structured_content
        summary = (
            await client.call_tool("training_summary", {"period": "week", "periods": 8})
        ).structured_content
        assert chart is not None and summary is not None
        assert chart["metric"] == "volume" and chart["exercise_id"] is None
        with_sets = {p["start"]: p["volume"] for p in summary["periods"] if p["working_sets"]}
        assert {p["start"]: p["value"] for p in chart["points"]} == with_sets
        assert chart["image"]["points_drawn"] == len(with_sets)


async def test_volume_per_muscle_group_sums_the_window(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        chart = (
            await client.call_tool(
                "progress_chart", {"metric": "volume_by_muscle_group", "period": "month", "periods": 2}
            )
        ).structured_content
        assert chart is not None
        start = date.fromisoformat(chart["start"])
        assert start == date(TODAY.year, TODAY.month - 1, 1)
        from workout_mcp.surface.progress import _at

        sets = await store.sets_between(_at(start), _at(TODAY + timedelta(days=1)))
        expected: defaultdict[str, list[float]] = defaultdict(list)
        for s in sets:
            if not s.is_warmup and s.reps and s.weight_kg:
                for group in set(s.muscle_groups):
                    expected[group].append(s.reps * s.weight_kg)
        got = {g["muscle_group"]: g["volume"] for g in chart["muscle_groups"]}
        assert got == {g: round(math.fsum(v), 1) for g, v in expected.items()}
        assert list(got.values()) == sorted(got.values(), reverse=True)
        assert chart["image"]["points_drawn"] == len(got)


async def test_figures_only_when_no_image_is_wanted(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        result = await client.call_tool("progress_chart", {"exercise": "Deadlift", "include_image": False})
        assert not result.is_error
        assert [b.type for b in result.content] == ["text"]
        assert result.structured_content is not None and result.structured_content["image"] is None
        assert result.structured_content["points"]


async def test_body_weight_chart_plots_each_measurement_and_the_moving_average(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        weights = [82.0, 81.6, 81.9, 81.2, 80.8, 81.0, 80.4]
        for i, kg in enumerate(weights):
            day = TODAY - timedelta(days=3 * (len(weights) - 1 - i))
            saved = await client.call_tool(
                "log_body_weight", {"weight": kg, "measured_at": f"{day.isoformat()}T07:00:00Z"}
            )
            assert not saved.is_error, saved.content
        result = await client.call_tool("progress_chart", {"metric": "body_weight", "periods": 4})
        since = (monday(TODAY) - timedelta(weeks=3)).isoformat()
        listed = (
            await client.call_tool("body_weight_history", {"since": since, "until": TODAY.isoformat()})
        ).structured_content
    assert not result.is_error, result.content
    chart = result.structured_content
    assert chart is not None and listed is not None
    assert chart["value_label"] == "body weight (kg)" and chart["exercise_id"] is None
    in_window = listed["entries"]
    assert [p["value"] for p in chart["points"]] == [e["weight"] for e in in_window]
    assert [p["moving_average"] for p in chart["points"]] == [e["moving_average"] for e in in_window]
    # Two lines: each measurement and its moving average.
    assert chart["image"]["points_drawn"] == 2 * len(in_window)
    assert image_of(result).size == (800, 450)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"metric": "estimated_1rm"}, "needs an exercise"),
        ({"metric": "top_set"}, "needs an exercise"),
        ({"exercise": "Squat", "metric": "volume_by_muscle_group"}, "leave out exercise"),
        ({"exercise": "No Such Lift"}, "No Such Lift"),
        ({"exercise": "Squat", "periods": 0}, "periods"),
        ({"exercise": "Squat", "metric": "biceps_peak"}, "metric"),
    ],
)
async def test_bad_arguments_say_what_to_fix(demo: Any, args: dict[str, Any], message: str) -> None:
    store = demo
    async with connect(store) as client:
        result = await client.call_tool("progress_chart", args)
        assert result.is_error
        assert message in result.content[0].text


async def test_tool_links_the_dashboard_and_the_resource_declares_mime_and_csp(demo: Any) -> None:
    store = demo
    async with connect(store) as client:
        # The server advertises the MCP Apps extension (SEP-2133) in its capabilities.
        extensions = client.server_capabilities.extensions
        assert extensions is not None and extensions["io.modelcontextprotocol/ui"] == {}
        tools = {t.name: t for t in (await client.list_tools()).tools}
        chart_tool = tools["progress_chart"]
        assert chart_tool.meta is not None and chart_tool.meta["ui"]["resourceUri"] == DASHBOARD_URI
        assert chart_tool.output_schema is not None and "points" in chart_tool.output_schema["properties"]
        # Hosts without the extension see the other tools exactly as before: no UI metadata on them.
        assert all(
            t.meta is None or "ui" not in t.meta for name, t in tools.items() if name != "progress_chart"
        )

        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        entry = listed[DASHBOARD_URI]
        assert entry.mime_type == APP_MIME_TYPE == "text/html;profile=mcp-app"
        assert entry.meta is not None and entry.meta["ui"]["csp"] == {
            "connectDomains": [],
            "resourceDomains": [],
        }
        assert entry.meta["ui"]["prefersBorder"] is True

        read = await client.read_resource(DASHBOARD_URI)
        (content,) = read.contents
        assert content.mime_type == APP_MIME_TYPE
        assert content.meta is not None and content.meta["ui"]["csp"]["connectDomains"] == []
        html = content.text  # type: ignore[union-attr]
        assert html.lstrip().lower().startswith("<!doctype html>")
        assert 'id="progress"' in html and "ui/initialize" in html  # the dashboard, with the bridge bundled
