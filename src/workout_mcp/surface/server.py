"""The MCP surface: tools, resources and prompts on the SDK's `MCPServer`.

Each tool is thin: parse its arguments, call the store and the domain, shape the result. Store errors
become tool errors whose text tells the model what to fix; nothing else reaches the client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

from mcp.server.mcpserver import MCPServer, RequestStateSecurity

from workout_mcp import __version__
from workout_mcp.config import Settings
from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.audit import ToolAuditMiddleware
from workout_mcp.surface.dashboard import progress_app
from workout_mcp.surface.errors import CoachingMCPServer
from workout_mcp.surface.store_calls import call_store

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

# The tools, by the module function that adds them (imported when one of them is first needed), in the
# order `tools/list` shows them (after the extension's progress_chart).
CORE_READS = (
    "list_workouts",
    "get_workout",
    "exercise_history",
    "personal_records",
    "training_summary",
    "search_exercises",
)
LOG_READS = ("exercise_progress", "list_plans", "get_plan", "body_weight_history")
CORE_WRITES = ("log_workout", "add_exercise", "delete_workout")
LOG_WRITES = (
    "add_sets",
    "update_set",
    "delete_set",
    "update_workout",
    "restore_workout",
    "save_plan",
    "delete_plan",
    "log_body_weight",
)


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
) -> CoachingMCPServer:
    """All tools, resources and prompts over `store`; write tools are left out when READ_ONLY. The tools'
    modules are imported when a tool of theirs is first needed (`DeferredToolsServer`)."""
    mcp = CoachingMCPServer(
        "workout-mcp",
        title="Workout log",
        version=__version__,
        instructions=INSTRUCTIONS,
        middleware=[ToolAuditMiddleware()],
        request_state_security=request_state_security(settings),
        extensions=[progress_app(store, today=today)],
    )

    group = mcp.add_tool_group
    group("workout_mcp.surface.core_tools:register_core_reads", CORE_READS, store, today)
    group("workout_mcp.surface.log_tools:register_log_reads", LOG_READS, store, today)
    if not settings.read_only:
        group("workout_mcp.surface.core_tools:register_core_writes", CORE_WRITES, store)
        group("workout_mcp.surface.log_tools:register_log_writes", LOG_WRITES, store, now)
    transfer = ("export_workouts",) if settings.read_only else ("export_workouts", "import_workouts")
    group("workout_mcp.surface.transfer_tools:register_transfer_tools", transfer, store, settings)
    register_resources_and_prompts(mcp, store)
    return mcp


def register_resources_and_prompts(mcp: MCPServer, store: WorkoutStore) -> None:
    @mcp.resource(
        "workout://workouts/{workout_id}",
        name="workout",
        title="A workout",
        description="One workout with all its sets, as JSON (weights in kg).",
        mime_type="application/json",
    )
    async def workout_resource(workout_id: str) -> str:
        from workout_mcp.surface.views import WorkoutView

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
