"""Progress charts: a PNG plus the same figures as structured content (`surface.dashboard` registers the tool
with the dashboard MCP App, and imports this module when the tool is first needed).

`progress_chart` answers every client: an `image/png` block for those that show images, the figures as
structured content (and JSON text) for those that do not. Hosts with the MCP Apps extension
(`io.modelcontextprotocol/ui`) also render the `ui://` dashboard linked from the tool's `_meta`; the
dashboard gets its data by calling our tools through the host. matplotlib loads on the first chart.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ImageContent, TextContent
from pydantic import Field

from workout_mcp.charts import Bar, ChartSpec, Series, Theme
from workout_mcp.charts.render import render_png
from workout_mcp.domain.analytics import Period, TrainingSummary, training_summary, utc_day, window_start
from workout_mcp.domain.base import Model
from workout_mcp.domain.body_weight import BodyWeightEntry, history
from workout_mcp.domain.models import Unit
from workout_mcp.domain.progress import ExerciseProgress, exercise_progress
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.store_calls import call_store

Metric = Literal["estimated_1rm", "top_set", "volume", "volume_by_muscle_group", "body_weight"]
EXERCISE_METRICS: frozenset[Metric] = frozenset({"estimated_1rm", "top_set"})
ALL_TRAINING_METRICS: frozenset[Metric] = frozenset({"volume_by_muscle_group", "body_weight"})
# The same moving average body_weight_history shows by default.
BODY_WEIGHT_WINDOW_DAYS = 7

_LABELS: dict[Metric, str] = {
    "estimated_1rm": "estimated 1RM",
    "top_set": "top set",
    "volume": "volume",
    "volume_by_muscle_group": "volume",
    "body_weight": "body weight",
}
_TITLES: dict[Metric, str] = {
    "estimated_1rm": "Estimated 1RM",
    "top_set": "Top set",
    "volume": "Volume",
    "volume_by_muscle_group": "Volume per muscle group",
    "body_weight": "Body weight",
}


class ProgressPoint(Model):
    """One period's value (one measurement's for body weight); periods without data have no point."""

    label: str = Field(description="ISO week such as 2026-W07, month such as 2026-02, or a day")
    start: date = Field(description="first day of the period, or the day of the measurement")
    value: float = Field(description="the metric's value in the result's unit")
    reps: int | None = Field(None, description="top_set and estimated_1rm: reps of the set behind the value")
    weight: float | None = Field(None, description="estimated_1rm: weight of the set behind it")
    moving_average: float | None = Field(
        None,
        description=f"body_weight: mean of the measurements of the {BODY_WEIGHT_WINDOW_DAYS} days up to it",
    )


class MuscleGroupVolume(Model):
    muscle_group: str
    volume: float = Field(description="working-set volume over the whole window, in the result's unit")


class ChartImage(Model):
    mime_type: str = "image/png"
    width: int
    height: int
    points_drawn: int = Field(description="markers or bars drawn in the image")


class ProgressChart(Model):
    """The figures behind the chart, so a client that cannot show images still gets the answer."""

    metric: Metric
    exercise_id: str | None = Field(description="the exercise charted; null for all training and body weight")
    exercise_name: str | None
    unit: Unit = Field(description="unit of every weight and volume here: kg or lb")
    by: Period = Field(description="one point per ISO week (Monday start, UTC) or month")
    start: date = Field(description="first day of the window")
    end: date = Field(description="last day of the window (today)")
    value_label: str = Field(description="what the values are, with their unit")
    points: list[ProgressPoint] = Field(
        description="one per period with data (per measurement for body_weight), oldest first; empty for "
        "volume_by_muscle_group"
    )
    muscle_groups: list[MuscleGroupVolume] = Field(
        description="volume_by_muscle_group only: largest first; a set counts for every group it trains"
    )
    best: float | None = Field(description="highest value in the window")
    latest: float | None = Field(description="value of the most recent period with data")
    change: float | None = Field(description="latest minus the first value in the window")
    image: ChartImage | None = Field(description="the PNG sent alongside; null when include_image=false")


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def progress_chart_tool(store: WorkoutStore, *, today: Callable[[], date]) -> Callable[..., Any]:
    """The `progress_chart` tool's function, over `store`; `surface.dashboard.progress_app` registers it."""

    async def progress_chart(
        exercise: Annotated[
            str | None,
            Field(
                None, max_length=80, description="exercise name or id; needed for estimated_1rm and top_set"
            ),
        ] = None,
        metric: Annotated[
            Metric | None,
            Field(
                None,
                description="estimated_1rm (best per period), top_set (heaviest working set), volume "
                "(of the exercise, or of all training), volume_by_muscle_group; default: estimated_1rm "
                "with an exercise, volume without",
            ),
        ] = None,
        period: Annotated[Period, Field(description="one point per ISO week or per month")] = "week",
        periods: Annotated[
            int, Field(ge=1, le=260, description="how many recent periods (260 weeks = 5 years)")
        ] = 12,
        unit: Annotated[Unit, Field(description="unit for weights: kg (default) or lb")] = "kg",
        theme: Annotated[Theme, Field(description="light (default) or dark image background")] = "light",
        include_image: Annotated[bool, Field(description="false: only the figures, no PNG")] = True,
    ) -> Annotated[CallToolResult, ProgressChart]:
        """A chart of progress over time as a PNG image, with the same figures as structured data.

        For one exercise: estimated 1RM or top set per week/month, or its volume. Without an exercise:
        total volume per period, or volume per muscle group over the window.
        """
        chosen: Metric = metric or ("estimated_1rm" if exercise else "volume")
        if chosen in EXERCISE_METRICS and not exercise:
            raise ToolError(f"metric {chosen} needs an exercise (a name from search_exercises, or an id)")
        if chosen in ALL_TRAINING_METRICS and exercise:
            raise ToolError(f"{chosen} is not per exercise; leave out exercise")
        end = today()
        start = window_start(end, period, periods)
        until = _at(end + timedelta(days=1))
        exercise_id = exercise_name = None
        points: list[ProgressPoint] = []
        groups: list[MuscleGroupVolume] = []
        if exercise:
            found, sets = await call_store(store.exercise_sets(exercise))
            exercise_id, exercise_name = found.id, found.name
            progress = exercise_progress(found, sets, by=period, start=start, end=end, unit=unit)
            points = _exercise_points(progress, chosen)
        elif chosen == "body_weight":
            lead_in = _at(start) - timedelta(days=BODY_WEIGHT_WINDOW_DAYS)
            entries = await call_store(store.body_weights_between(lead_in, until))
            shown = history(entries, since=_at(start), window_days=BODY_WEIGHT_WINDOW_DAYS, unit=unit)
            points = _body_weight_points(shown)
        else:
            sets = await call_store(store.sets_between(_at(start), until))
            summary = training_summary(sets, by=period, today=end, unit=unit, start=start, end=end)
            if chosen == "volume":
                points = _volume_points(summary)
            else:
                groups = [
                    MuscleGroupVolume(muscle_group=g, volume=v)
                    for g, v in summary.volume_by_muscle_group.items()
                ]

        value_label = f"{_LABELS[chosen]} ({unit})"
        values = [p.value for p in points]
        chart = ProgressChart(
            metric=chosen,
            exercise_id=exercise_id,
            exercise_name=exercise_name,
            unit=unit,
            by=period,
            start=start,
            end=end,
            value_label=value_label,
            points=points,
            muscle_groups=groups,
            best=max(values, default=None),
            latest=values[-1] if values else None,
            change=round(values[-1] - values[0], 1) if values else None,
            image=None,
        )
        content: list[ImageContent | TextContent] = []
        if include_image:
            spec = _spec(chart, theme)
            rendered = await anyio.to_thread.run_sync(render_png, spec)
            chart.image = ChartImage(
                width=rendered.width, height=rendered.height, points_drawn=rendered.points
            )
            content.append(
                ImageContent(
                    type="image", data=base64.b64encode(rendered.png).decode(), mime_type="image/png"
                )
            )
        content.append(TextContent(type="text", text=chart.model_dump_json()))
        return CallToolResult(content=content, structured_content=chart.model_dump(mode="json"))

    return progress_chart


def _exercise_points(progress: ExerciseProgress, metric: Metric) -> list[ProgressPoint]:
    points: list[ProgressPoint] = []
    for p in progress.periods:
        if metric == "estimated_1rm" and p.best_estimated_1rm is not None:
            best = p.best_estimated_1rm
            value, reps, weight = best.estimated_1rm, best.reps, best.weight
        elif metric == "top_set" and p.top_set is not None and p.top_set.weight is not None:
            value, reps, weight = p.top_set.weight, p.top_set.reps, None
        elif metric == "volume" and p.working_sets:
            value, reps, weight = p.volume, None, None
        else:
            continue
        points.append(ProgressPoint(label=p.label, start=p.start, value=value, reps=reps, weight=weight))
    return points


def _volume_points(summary: TrainingSummary) -> list[ProgressPoint]:
    return [
        ProgressPoint(label=p.label, start=p.start, value=p.volume) for p in summary.periods if p.working_sets
    ]


def _body_weight_points(entries: list[BodyWeightEntry]) -> list[ProgressPoint]:
    return [
        ProgressPoint(
            label=utc_day(e.measured_at).isoformat(),
            start=utc_day(e.measured_at),
            value=e.weight,
            moving_average=e.moving_average,
        )
        for e in entries
    ]


def _spec(chart: ProgressChart, theme: Theme) -> ChartSpec:
    window = f"{chart.start.isoformat()} to {chart.end.isoformat()}, per {chart.by}"
    title = _TITLES[chart.metric] + (f": {chart.exercise_name}" if chart.exercise_name else "")
    if chart.metric == "volume" and not chart.exercise_name:
        title = f"{'Weekly' if chart.by == 'week' else 'Monthly'} volume, all training"
    if chart.metric == "volume_by_muscle_group":
        return ChartSpec(
            title=title,
            subtitle=window,
            value_label=chart.value_label,
            kind="hbar",
            bars=[Bar(g.muscle_group.replace("_", " "), g.volume) for g in chart.muscle_groups],
            theme=theme,
        )
    return ChartSpec(
        title=title,
        subtitle=window,
        value_label=chart.value_label,
        kind="bar" if chart.metric == "volume" else "line",
        series=_series(chart),
        theme=theme,
    )


def _series(chart: ProgressChart) -> list[Series]:
    measured = Series(chart.exercise_name or "all training", [(p.start, p.value) for p in chart.points])
    if chart.metric != "body_weight":
        return [measured]
    average = [(p.start, p.moving_average) for p in chart.points if p.moving_average is not None]
    return [
        Series("measured", measured.points),
        Series(f"{BODY_WEIGHT_WINDOW_DAYS}-day average", average),
    ]
