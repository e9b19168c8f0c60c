"""The training-log tools: edit as you go, undo, plans, records board, progress, body weight.

Thin like the rest of the surface: parse into domain models, call the store, shape the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from workout_mcp.domain.analytics import window_start
from workout_mcp.domain.base import Model
from workout_mcp.domain.body_weight import (
    MAX_KG,
    MIN_KG,
    BodyWeightHistory,
    BodyWeightSaved,
    NewBodyWeight,
    history,
)
from workout_mcp.domain.edits import (
    PlanLink,
    SetChanges,
    SetField,
    WorkoutChanges,
    WorkoutField,
)
from workout_mcp.domain.models import EARLIEST_YEAR, Name, NewSet, Text, Unit
from workout_mcp.domain.plans import NewPlan, NewPlanSession, PlanListEntry, PlanView
from workout_mcp.domain.progress import ExerciseProgress, exercise_progress
from workout_mcp.domain.units import display_weight, to_kg
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.cursors import decode_cursor, encode_cursor
from workout_mcp.surface.store_calls import call_store, refused
from workout_mcp.surface.views import WorkoutView

WorkoutIdArg = Annotated[str, Field(min_length=1, max_length=64, description="id from list_workouts")]
PositionArg = Annotated[int, Field(ge=1, le=1000, description="the set's position in the workout, from 1")]
UnitArg = Annotated[Unit, Field(description="unit for weights in the answer: kg (default) or lb")]
WeightUnitArg = Annotated[Unit, Field(description="unit of the weights you give (kg or lb)")]
CursorArg = Annotated[
    str | None, Field(None, description="next_cursor from the previous page; omit for the first page")
]
PlanRefArg = Annotated[Name, Field(min_length=1, max_length=120, description="plan id or name")]
PlanIdArg = Annotated[
    Name | None, Field(None, max_length=120, description="plan id or name this workout follows")
]
SessionArg = Annotated[
    Name | None, Field(None, max_length=40, description="the plan session done (with plan_id)")
]
READ = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
EDIT = ToolAnnotations(destructiveHint=True, idempotentHint=True, openWorldHint=False)


class WorkoutDeleted(Model):
    workout_id: str
    deleted: bool = Field(description="always true: the workout is deleted now")
    already_deleted: bool = Field(description="true when an earlier call had deleted it already")
    deleted_at: datetime
    restorable_until: datetime = Field(description="restore_workout brings it back until then")


class PlanList(Model):
    total: int
    plans: list[PlanListEntry] = Field(description="most recently changed first")
    next_cursor: str | None = None


class PlanDeleted(Model):
    deleted: bool
    plan_id: str
    name: str


def plan_link(plan_id: str | None, session: str | None) -> PlanLink | None:
    """Both or neither: a workout follows one session of one plan."""
    if plan_id is None and session is None:
        return None
    if plan_id is None or session is None:
        raise ToolError("give plan_id and session together (get_plan lists the sessions)")
    try:
        return PlanLink(plan_id=plan_id, session=session)
    except ValidationError as exc:
        raise refused("plan link", exc) from None


def sets_in_kg(sets: list[NewSet], unit: Unit) -> list[NewSet]:
    if unit == "kg":
        return sets
    return [
        s.model_copy(update={"weight_kg": to_kg(s.weight_kg, unit)}) if s.weight_kg is not None else s
        for s in sets
    ]


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def register_log_reads(mcp: MCPServer, store: WorkoutStore, today: Callable[[], date]) -> None:
    @mcp.tool(name="exercise_progress", title="Exercise progress", annotations=READ)
    async def exercise_progress_tool(
        exercise: Annotated[Name, Field(min_length=1, max_length=80, description="exercise name or id")],
        period: Annotated[Literal["week", "month"], Field(description="per ISO week or per month")] = "week",
        periods: Annotated[int, Field(ge=1, le=104, description="how many recent periods")] = 12,
        unit: UnitArg = "kg",
    ) -> ExerciseProgress:
        """Is this lift going up? Per week or month: top set, best estimated 1RM, working sets, reps and
        volume of one exercise, oldest period first, with the e1RM change over the range."""
        day = today()
        found, sets = await call_store(store.exercise_sets(exercise))
        start = window_start(day, period, periods)
        return exercise_progress(found, sets, by=period, start=start, end=day, unit=unit)

    @mcp.tool(title="List plans", annotations=READ)
    async def list_plans(
        limit: Annotated[int, Field(ge=1, le=50)] = 20,
        cursor: CursorArg = None,
    ) -> PlanList:
        """The user's training plans with their sessions and which session is next."""
        filters = {"limit": limit}
        offset = decode_cursor(cursor, filters)
        page = await call_store(store.list_plans(limit=limit, offset=offset))
        following = page.next_offset
        return PlanList(
            total=page.total or 0,
            plans=[PlanListEntry.of(p) for p in page.items],
            next_cursor=None if following is None else encode_cursor(following, filters),
        )

    @mcp.tool(title="Get a plan", annotations=READ)
    async def get_plan(plan: PlanRefArg, unit: UnitArg = "kg") -> PlanView:
        """One plan in full: each session's exercises and targets, how often each was logged, and
        which session is next (the one after the session logged most recently)."""
        return PlanView.of(await call_store(store.get_plan(plan)), unit)

    @mcp.tool(title="Body weight history", annotations=READ)
    async def body_weight_history(
        since: Annotated[date | None, Field(None, description="first day (default: 90 days ago)")] = None,
        until: Annotated[date | None, Field(None, description="last day (default: today)")] = None,
        window_days: Annotated[int, Field(ge=1, le=90, description="days in the moving average")] = 7,
        unit: UnitArg = "kg",
        limit: Annotated[int, Field(ge=1, le=500, description="entries per page")] = 100,
        cursor: CursorArg = None,
    ) -> BodyWeightHistory:
        """Body-weight measurements oldest first, each with the moving average of the `window_days`
        days up to it, and the change of that average over the range."""
        last = until or today()
        first = since or last - timedelta(days=90)
        if last < first:
            raise ToolError("until must not be before since")
        if first.year < EARLIEST_YEAR or last > today() + timedelta(days=366):
            raise ToolError(f"since and until must lie between {EARLIEST_YEAR}-01-01 and a year from today")
        filters = {"since": first, "until": last, "window_days": window_days, "unit": unit, "limit": limit}
        offset = decode_cursor(cursor, filters)
        lead_in = _at(first) - timedelta(days=window_days)
        entries = await call_store(store.body_weights_between(lead_in, _at(last + timedelta(days=1))))
        shown = history(entries, since=_at(first), window_days=window_days, unit=unit)
        page = shown[offset : offset + limit]
        following = offset + limit if offset + limit < len(shown) else None
        change = round(shown[-1].moving_average - shown[0].moving_average, 1) if shown else None
        return BodyWeightHistory(
            unit=unit,
            window_days=window_days,
            total=len(shown),
            entries=page,
            change=change,
            next_cursor=None if following is None else encode_cursor(following, filters),
        )


def register_log_writes(mcp: MCPServer, store: WorkoutStore, now: Callable[[], datetime]) -> None:
    @mcp.tool(title="Add sets", annotations=ToolAnnotations(destructiveHint=False, idempotentHint=False))
    async def add_sets(
        workout_id: WorkoutIdArg,
        sets: Annotated[
            list[NewSet],
            Field(
                min_length=1, max_length=200, description="sets to append in order; weight_kg in weight_unit"
            ),
        ],
        weight_unit: WeightUnitArg = "kg",
        plan_id: PlanIdArg = None,
        session: SessionArg = None,
    ) -> WorkoutView:
        """Append sets to a workout already logged (log as you train: log_workout with the first set,
        then add_sets). All of them are saved, or none. Answers the whole workout as stored."""
        link = plan_link(plan_id, session)
        saved = await call_store(store.add_sets(workout_id, sets_in_kg(sets, weight_unit), link=link))
        return WorkoutView.of(saved, weight_unit)

    @mcp.tool(title="Fix a set", annotations=EDIT)
    async def update_set(
        workout_id: WorkoutIdArg,
        position: PositionArg,
        exercise: Annotated[Name | None, Field(None, max_length=80, description="another exercise")] = None,
        reps: int | None = None,
        weight_kg: Annotated[float | None, Field(None, description="new weight, in weight_unit")] = None,
        duration_s: int | None = None,
        distance_m: float | None = None,
        rpe: float | None = None,
        is_warmup: bool | None = None,
        clear: Annotated[
            list[SetField], Field(max_length=5, description='fields to empty, e.g. ["rpe"]')
        ] = [],  # noqa: B006  (the SDK reads the default into the schema; never mutated)
        weight_unit: WeightUnitArg = "kg",
    ) -> WorkoutView:
        """Change one set: reps, weight, duration, distance, RPE, warm-up flag or exercise. Fields not
        given stay as they are. Answers the whole workout as stored."""
        weight = None if weight_kg is None else to_kg(weight_kg, weight_unit)
        try:
            changes = SetChanges(
                exercise=exercise,
                reps=reps,
                weight_kg=weight,
                duration_s=duration_s,
                distance_m=distance_m,
                rpe=rpe,
                is_warmup=is_warmup,
                clear=clear,
            )
        except ValidationError as exc:
            raise refused(f"set {position} not changed", exc) from None
        saved = await call_store(store.update_set(workout_id, position, changes))
        return WorkoutView.of(saved, weight_unit)

    @mcp.tool(title="Delete a set", annotations=ToolAnnotations(destructiveHint=True, idempotentHint=False))
    async def delete_set(workout_id: WorkoutIdArg, position: PositionArg) -> WorkoutView:
        """Remove one set; the sets after it move up, so positions stay 1, 2, 3, … Answers the
        workout as stored."""
        return WorkoutView.of(await call_store(store.delete_set(workout_id, position)), "kg")

    @mcp.tool(title="Edit a workout", annotations=EDIT)
    async def update_workout(
        workout_id: WorkoutIdArg,
        title: Annotated[Text | None, Field(None, max_length=120)] = None,
        notes: Annotated[Text | None, Field(None, max_length=2000)] = None,
        started_at: Annotated[datetime | None, Field(None, description="start time with offset")] = None,
        ended_at: Annotated[datetime | None, Field(None, description="end time with offset")] = None,
        rpe: Annotated[float | None, Field(None, description="session RPE 1-10")] = None,
        clear: Annotated[
            list[WorkoutField], Field(max_length=4, description='fields to empty, e.g. ["notes"]')
        ] = [],  # noqa: B006  (the SDK reads the default into the schema; never mutated)
    ) -> WorkoutView:
        """Change a workout's title, notes, start or end time, or session RPE (sets have their own
        tools). Fields not given stay as they are. Answers the workout as stored."""
        try:
            changes = WorkoutChanges(
                title=title, notes=notes, started_at=started_at, ended_at=ended_at, rpe=rpe, clear=clear
            )
        except ValidationError as exc:
            raise refused("workout not changed", exc) from None
        return WorkoutView.of(await call_store(store.update_workout(workout_id, changes)), "kg")

    @mcp.tool(title="Restore a deleted workout", annotations=EDIT)
    async def restore_workout(workout_id: WorkoutIdArg) -> WorkoutView:
        """Bring back a workout deleted in the last 30 days, with all its sets."""
        return WorkoutView.of(await call_store(store.restore_workout(workout_id)), "kg")

    @mcp.tool(title="Save a plan", annotations=ToolAnnotations(destructiveHint=True, idempotentHint=True))
    async def save_plan(
        name: Annotated[Name, Field(min_length=1, max_length=120, description="the plan's name")],
        sessions: Annotated[
            list[NewPlanSession],
            Field(min_length=1, max_length=14, description="sessions in the order they are done"),
        ],
        notes: Annotated[Text | None, Field(None, max_length=2000)] = None,
        weight_unit: WeightUnitArg = "kg",
    ) -> PlanView:
        """Create a named plan of sessions (each with exercises and target sets x reps x weight or
        RPE), or replace the plan of that name; its id and logged history stay."""
        try:
            plan = NewPlan(name=name, notes=notes, sessions=sessions)
        except ValidationError as exc:
            raise refused("plan not saved", exc) from None
        if weight_unit != "kg":
            for session in plan.sessions:
                for target in session.exercises:
                    if target.weight_kg is not None:
                        target.weight_kg = to_kg(target.weight_kg, weight_unit)
        return PlanView.of(await call_store(store.save_plan(plan)), weight_unit)

    @mcp.tool(title="Delete a plan", annotations=ToolAnnotations(destructiveHint=True, idempotentHint=False))
    async def delete_plan(plan: PlanRefArg) -> PlanDeleted:
        """Delete a plan. Workouts logged against it stay, without the link."""
        gone = await call_store(store.delete_plan(plan))
        return PlanDeleted(deleted=True, plan_id=gone.id, name=gone.name)

    @mcp.tool(
        title="Log body weight", annotations=ToolAnnotations(destructiveHint=False, idempotentHint=True)
    )
    async def log_body_weight(
        weight: Annotated[float, Field(description="body weight in `unit`")],
        unit: Annotated[Unit, Field(description="kg or lb")] = "kg",
        measured_at: Annotated[
            datetime | None, Field(None, description="when, with offset (default: now)")
        ] = None,
        note: Annotated[Text | None, Field(None, max_length=200)] = None,
    ) -> BodyWeightSaved:
        """Save one body-weight measurement; the same measured_at again replaces that one."""
        moment = measured_at or now()
        try:
            entry = NewBodyWeight(weight_kg=to_kg(weight, unit), measured_at=moment, note=note)
        except ValidationError as exc:
            if any(e["loc"] == ("weight_kg",) for e in exc.errors()):
                low, high = (display_weight(w, unit) for w in (MIN_KG, MAX_KG))
                raise ToolError(
                    f"body weight not saved: weight must be between {low} and {high} {unit}"
                ) from None
            raise refused("body weight not saved", exc) from None
        if entry.measured_at - now() > timedelta(days=1):
            raise ToolError("measured_at is more than a day in the future; give the time it was measured")
        saved = await call_store(store.log_body_weight(entry))
        return BodyWeightSaved(
            id=saved.id,
            measured_at=saved.measured_at,
            weight=display_weight(saved.weight_kg, unit),
            unit=unit,
            note=saved.note,
        )
