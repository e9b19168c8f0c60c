"""The log's first tools: its reads (workouts, one exercise's history, records, the training summary,
the exercise search) and the writes that log a session, add an exercise and delete a workout.

Imported when one of them is first needed (`DeferredToolsServer.add_tool_group`, from `surface.server`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from workout_mcp.domain.analytics import (
    TrainingSummary,
    personal_records,
    training_streaks,
    training_summary,
    utc_day,
    window_start,
)
from workout_mcp.domain.edits import IDEMPOTENCY_KEY_MAX
from workout_mcp.domain.models import (
    MUSCLE_GROUPS,
    CalendarDay,
    Exercise,
    ExerciseKind,
    Name,
    NewExercise,
    NewSet,
    NewWorkout,
    PastTimestamp,
    Text,
    Unit,
)
from workout_mcp.domain.progress import BoardLine, RecordsAnswer
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.cursors import decode_cursor, encode_cursor
from workout_mcp.surface.log_tools import (
    WorkoutDeleted,
    plan_link,
    sets_in_kg,
)
from workout_mcp.surface.store_calls import call_store, refused
from workout_mcp.surface.views import (
    ExerciseHistory,
    ExerciseList,
    HistoryEntry,
    WorkoutList,
    WorkoutListEntry,
    WorkoutView,
)

UnitArg = Annotated[Unit, Field(description="unit for weights in the answer: kg (default) or lb")]
CursorArg = Annotated[
    str | None,
    Field(None, max_length=512, description="next_cursor from the previous page; omit for the first page"),
]
ExerciseArg = Annotated[
    Name, Field(min_length=1, max_length=80, description="exercise name (case-insensitive) or id")
]
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else _at(day)


def register_core_reads(mcp: MCPServer, store: WorkoutStore, today: Callable[[], date]) -> None:
    @mcp.tool(title="List workouts", annotations=READ)
    async def list_workouts(
        since: Annotated[
            CalendarDay | None, Field(None, description="first day to include (YYYY-MM-DD)")
        ] = None,
        until: Annotated[
            CalendarDay | None, Field(None, description="last day to include (YYYY-MM-DD)")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=50, description="workouts per page")] = 10,
        cursor: CursorArg = None,
        unit: UnitArg = "kg",
    ) -> WorkoutList:
        """Recent workouts, newest first, with their exercises, set counts and volume."""
        if since and until and until < since:
            raise ToolError("until must not be before since")
        filters = {"since": since, "until": until, "limit": limit}
        offset = decode_cursor(cursor, filters)
        end = _day_start(until + timedelta(days=1)) if until else None
        page = await call_store(
            store.list_workouts(since=_day_start(since), until=end, limit=limit, offset=offset)
        )
        next_offset = page.next_offset
        return WorkoutList(
            unit=unit,
            total=page.total,
            workouts=[WorkoutListEntry.of(w, unit) for w in page.items],
            next_cursor=encode_cursor(next_offset, filters) if next_offset is not None else None,
        )

    @mcp.tool(title="Get one workout", annotations=READ)
    async def get_workout(
        workout_id: Annotated[str, Field(min_length=1, max_length=64, description="id from list_workouts")],
        unit: UnitArg = "kg",
    ) -> WorkoutView:
        """One workout in full: every set in order, with reps, weight, RPE and warm-up flags."""
        return WorkoutView.of(await call_store(store.get_workout(workout_id)), unit)

    @mcp.tool(title="Exercise history", annotations=READ)
    async def exercise_history(
        exercise: ExerciseArg,
        since: Annotated[CalendarDay | None, Field(None, description="first day to include")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="sets per page")] = 50,
        cursor: CursorArg = None,
        unit: UnitArg = "kg",
    ) -> ExerciseHistory:
        """Every logged set of one exercise, newest first."""
        filters = {"exercise": exercise.lower(), "since": since, "limit": limit}
        offset = decode_cursor(cursor, filters)
        found, page = await call_store(
            store.exercise_history(exercise, since=_day_start(since), limit=limit, offset=offset)
        )
        next_offset = page.next_offset
        return ExerciseHistory(
            exercise=found,
            unit=unit,
            total=page.total,
            sets=[HistoryEntry.of(s, unit) for s in page.items],
            next_cursor=encode_cursor(next_offset, filters) if next_offset is not None else None,
        )

    @mcp.tool(name="personal_records", title="Personal records", annotations=READ)
    async def personal_records_tool(
        exercise: Annotated[
            Name | None,
            Field(None, min_length=1, max_length=80, description="one exercise; omit for the records board"),
        ] = None,
        unit: UnitArg = "kg",
        limit: Annotated[int, Field(ge=1, le=100, description="board lines per page")] = 25,
        cursor: CursorArg = None,
    ) -> RecordsAnswer:
        """With `exercise`: its heaviest set, best estimated 1RM (Epley) and most reps at each weight.
        Without: the records board, one line per exercise trained (heaviest set, best estimated 1RM,
        dates), the most recent record first."""
        if exercise is not None:
            found, sets = await call_store(store.exercise_sets(exercise))
            return RecordsAnswer.of_exercise(personal_records(found, sets, unit=unit))
        filters = {"board": True, "limit": limit}
        offset = decode_cursor(cursor, filters)
        page = await call_store(store.records_board(limit=limit, offset=offset))
        following = page.next_offset
        return RecordsAnswer(
            view="board",
            unit=unit,
            total=page.total,
            records=[BoardLine.of(row, unit) for row in page.items],
            next_cursor=None if following is None else encode_cursor(following, filters),
        )

    @mcp.tool(name="training_summary", title="Training summary", annotations=READ)
    async def training_summary_tool(
        period: Annotated[Literal["week", "month"], Field(description="group by ISO week or month")] = "week",
        periods: Annotated[int, Field(ge=1, le=26, description="how many recent periods")] = 4,
        unit: UnitArg = "kg",
    ) -> TrainingSummary:
        """Sessions, sets, volume and volume per muscle group per period, plus training streaks."""
        day = today()
        start = window_start(day, period, periods)
        # Streaks look further back than the summary window so a long run is not cut short.
        streak_start = min(start, day - timedelta(days=366))
        sets = await call_store(store.sets_between(_at(streak_start), _at(day + timedelta(days=1))))
        window = [s for s in sets if s.performed_at >= _at(start)]
        summary = training_summary(window, by=period, start=start, end=day, today=day, unit=unit)
        summary.streaks = training_streaks({utc_day(s.performed_at) for s in sets}, today=day)
        return summary

    @mcp.tool(title="Search exercises", annotations=READ)
    async def search_exercises(
        query: Annotated[Name | None, Field(None, max_length=80, description="part of the name")] = None,
        muscle_group: Annotated[
            Name | None, Field(None, max_length=40, description=f"one of {', '.join(MUSCLE_GROUPS)}")
        ] = None,
        kind: Annotated[ExerciseKind | None, Field(None, description="strength, cardio or mobility")] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 25,
        cursor: CursorArg = None,
    ) -> ExerciseList:
        """Find exercises in the shared catalogue and the user's own, by name, muscle group or kind."""
        if muscle_group is not None and muscle_group.lower() not in MUSCLE_GROUPS:
            raise ToolError(f"unknown muscle_group {muscle_group!r}; use one of {', '.join(MUSCLE_GROUPS)}")
        filters = {"query": query, "muscle_group": muscle_group, "kind": kind, "limit": limit}
        offset = decode_cursor(cursor, filters)
        page = await call_store(
            store.search_exercises(
                query=query,
                muscle_group=muscle_group.lower() if muscle_group else None,
                kind=kind,
                limit=limit,
                offset=offset,
            )
        )
        next_offset = page.next_offset
        return ExerciseList(
            total=page.total,
            exercises=page.items,
            next_cursor=encode_cursor(next_offset, filters) if next_offset is not None else None,
        )


def register_core_writes(mcp: MCPServer, store: WorkoutStore) -> None:
    @mcp.tool(title="Log a workout", annotations=ToolAnnotations(destructiveHint=False, idempotentHint=False))
    async def log_workout(
        started_at: Annotated[
            PastTimestamp, Field(description="start time with offset, e.g. 2026-05-01T18:00:00Z")
        ],
        sets: Annotated[
            list[NewSet],
            Field(min_length=1, max_length=200, description="every set in order; weight_kg in `weight_unit`"),
        ],
        title: Annotated[Text | None, Field(None, max_length=120)] = None,
        ended_at: Annotated[PastTimestamp | None, Field(None, description="end time with offset")] = None,
        notes: Annotated[Text | None, Field(None, max_length=2000)] = None,
        rpe: Annotated[
            float | None, Field(None, ge=1, le=10, allow_inf_nan=False, description="session RPE 1-10")
        ] = None,
        weight_unit: Annotated[
            Unit, Field(description="unit of the weight_kg values given in sets (kg or lb)")
        ] = "kg",
        plan_id: Annotated[
            str | None, Field(None, max_length=120, description="plan id or name this workout follows")
        ] = None,
        session: Annotated[str | None, Field(None, max_length=40, description="that plan's session")] = None,
        idempotency_key: Annotated[
            str | None,
            Field(
                None,
                min_length=1,
                max_length=IDEMPOTENCY_KEY_MAX,
                description="any unique string; a retry with the same key answers the workout already saved",
            ),
        ] = None,
    ) -> WorkoutView:
        """Save one whole session with all its sets. All of it is saved, or none of it. A retry of the
        same call (same idempotency_key, or without one the same start time and sets within 10 minutes)
        answers the workout already saved instead of saving a copy."""
        link = plan_link(plan_id, session)
        try:
            workout = NewWorkout(
                title=title,
                started_at=started_at,
                ended_at=ended_at,
                notes=notes,
                rpe=rpe,
                sets=sets_in_kg(sets, weight_unit),
            )
        except ValidationError as exc:
            raise refused("workout not saved", exc) from None
        saved = await call_store(store.log_workout(workout, link=link, idempotency_key=idempotency_key))
        return WorkoutView.of(saved, weight_unit)

    @mcp.tool(title="Add an exercise", annotations=ToolAnnotations(destructiveHint=False))
    async def add_exercise(
        name: Annotated[Name, Field(min_length=1, max_length=80)],
        muscle_groups: Annotated[
            list[str], Field(max_length=6, description=f"any of {', '.join(MUSCLE_GROUPS)}")
        ] = [],  # noqa: B006  (the SDK reads the default into the schema; never mutated)
        equipment: Annotated[Name | None, Field(None, max_length=40)] = None,
        kind: ExerciseKind = "strength",
    ) -> Exercise:
        """Add one of the user's own exercises (the shared catalogue already has the common ones)."""
        try:
            new = NewExercise(name=name, muscle_groups=muscle_groups, equipment=equipment, kind=kind)
        except ValidationError as exc:
            raise refused("exercise not added", exc) from None
        return await call_store(store.add_exercise(new))

    @mcp.tool(
        title="Delete a workout", annotations=ToolAnnotations(destructiveHint=True, idempotentHint=True)
    )
    async def delete_workout(
        workout_id: Annotated[str, Field(min_length=1, max_length=64, description="id from list_workouts")],
    ) -> WorkoutDeleted:
        """Delete one workout and its sets. restore_workout brings it back within 30 days; deleting it
        again answers when it was deleted."""
        done = await call_store(store.delete_workout(workout_id))
        return WorkoutDeleted(
            workout_id=done.workout_id,
            deleted=True,
            already_deleted=done.already_deleted,
            deleted_at=done.deleted_at,
            restorable_until=done.restorable_until,
        )
