"""The MCP surface: tools, resources and prompts on the SDK's `MCPServer`.

Each tool is thin: parse its arguments, call the store and the domain, shape the result. Store errors
become tool errors whose text tells the model what to fix; nothing else reaches the client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal, TypeVar

from mcp.server.mcpserver import MCPServer, RequestStateSecurity
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from workout_mcp import __version__
from workout_mcp.config import Settings
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
from workout_mcp.surface.audit import ToolAuditMiddleware
from workout_mcp.surface.cursors import decode_cursor, encode_cursor
from workout_mcp.surface.errors import CoachingMCPServer
from workout_mcp.surface.log_tools import (
    WorkoutDeleted,
    plan_link,
    register_log_reads,
    register_log_writes,
    sets_in_kg,
)
from workout_mcp.surface.progress import progress_app
from workout_mcp.surface.store_calls import call_store, refused
from workout_mcp.surface.transfer_tools import register_transfer_tools
from workout_mcp.surface.views import (
    ExerciseHistory,
    ExerciseList,
    HistoryEntry,
    WorkoutList,
    WorkoutListEntry,
    WorkoutView,
)

T = TypeVar("T")

INSTRUCTIONS = """\
The user's own workout log. Weights are stored in kilograms; pass unit="lb" to see pounds.
Use list_workouts / get_workout for sessions, exercise_history and personal_records for one lift
(personal_records without an exercise is the records board), exercise_progress for "is it going up",
training_summary for weekly or monthly trends, search_exercises to find exercise names before
logging. log_workout saves a whole session at once (all sets or none); while training, log the first
set and append with add_sets. update_set, delete_set and update_workout fix mistakes; delete_workout
can be undone with restore_workout for 30 days. Plans: save_plan, list_plans, get_plan (says which
session is next), delete_plan; pass plan_id + session to log_workout. Body weight: log_body_weight,
body_weight_history. progress_chart draws progress (e1RM, top set, volume, body weight) as a picture."""

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


def _utc_today() -> date:
    return datetime.now(UTC).date()


def request_state_security(settings: Settings) -> RequestStateSecurity | None:
    """With several Fly machines, a 2026-07-28 `requestState` sealed on one must open on another: derive
    the SDK's keys from SECRET_KEY (and its predecessor) instead of a per-process random key."""
    secrets = [k.get_secret_value() for k in (settings.secret_key, settings.secret_key_previous) if k]
    if not secrets:
        return None
    return RequestStateSecurity(
        keys=[hashlib.sha256(b"workout-mcp/request-state/v1\0" + s.encode()).digest() for s in secrets]
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_mcp_server(
    settings: Settings,
    store: WorkoutStore,
    *,
    today: Callable[[], date] = _utc_today,
    now: Callable[[], datetime] = _utc_now,
) -> MCPServer:
    """All tools, resources and prompts over `store`; write tools are left out when READ_ONLY."""
    mcp = CoachingMCPServer(
        "workout-mcp",
        title="Workout log",
        version=__version__,
        instructions=INSTRUCTIONS,
        middleware=[ToolAuditMiddleware()],
        request_state_security=request_state_security(settings),
        extensions=[progress_app(store, today=today)],
    )

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

    register_log_reads(mcp, store, today)
    if not settings.read_only:
        register_write_tools(mcp, store)
        register_log_writes(mcp, store, now)
    register_transfer_tools(mcp, store, settings)
    register_resources_and_prompts(mcp, store)
    return mcp


def register_write_tools(mcp: MCPServer, store: WorkoutStore) -> None:
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


def register_resources_and_prompts(mcp: MCPServer, store: WorkoutStore) -> None:
    @mcp.resource(
        "workout://workouts/{workout_id}",
        name="workout",
        title="A workout",
        description="One workout with all its sets, as JSON (weights in kg).",
        mime_type="application/json",
    )
    async def workout_resource(workout_id: str) -> str:
        workout = await call_store(store.get_workout(workout_id))
        return WorkoutView.of(workout, "kg").model_dump_json()

    @mcp.resource(
        "workout://exercises/catalogue",
        name="exercise-catalogue",
        title="Exercise catalogue",
        description="Every exercise the user can log: the shared catalogue plus their own.",
        mime_type="application/json",
    )
    async def catalogue_resource() -> str:
        page = await call_store(
            store.search_exercises(query=None, muscle_group=None, kind=None, limit=500, offset=0)
        )
        return json.dumps([e.model_dump() for e in page.items])

    # Descriptions are given, not left to docstrings: the image strips those (PYTHONOPTIMIZE=2).
    @mcp.prompt(
        name="weekly_review",
        title="Weekly training review",
        description="Review the last week of training like a coach.",
    )
    def weekly_review(focus: str | None = None) -> str:
        extra = f" Pay special attention to {focus}." if focus else ""
        return (
            "Review my training over the last week as my strength coach. Use training_summary "
            "(period=week, periods=4) to compare this week with the previous three, list_workouts for "
            "the sessions, personal_records without an exercise for the records board, and "
            "exercise_progress for any lift that looks like it moved. Tell me what went "
            "well, what is lagging (volume per muscle group), whether my streak is intact, and one "
            f"concrete thing to change next week.{extra}"
        )

    @mcp.prompt(
        name="plan_next_session",
        title="Plan my next session",
        description="Plan the next session from recent history.",
    )
    def plan_next_session(goal: str = "strength", minutes: int = 60) -> str:
        return (
            f"Plan my next training session (goal: {goal}, about {minutes} minutes). If list_plans shows "
            "a plan, start from get_plan's next session and its targets. Look at list_workouts (limit 5) "
            "and get_workout for the latest sessions to see what I trained and how hard, then "
            "exercise_progress for the main lifts. Propose exercises, sets, reps and weights with a "
            "short reason each, progressing sensibly from what I did last time, and offer to log it "
            "with log_workout (with the plan's plan_id and session) as I go, adding sets with add_sets."
        )
