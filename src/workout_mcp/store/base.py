"""The seam between the MCP surface and where workouts live.

Two implementations: `LocalStore` (SQLite, one file) and `SupabaseStore` (PostgREST with the user's
own token). Both resolve "who is asking" per call through the `UserContext` they were built with, so
one store instance serves every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

# The domain models only name the protocol's types here: importing them waits for the first tool.
if TYPE_CHECKING:
    from workout_mcp.domain.body_weight import BodyWeight, NewBodyWeight
    from workout_mcp.domain.edits import PlanLink, SetChanges, WorkoutChanges, WorkoutDeletion
    from workout_mcp.domain.models import (
        Exercise,
        ExerciseKind,
        NewExercise,
        NewSet,
        NewWorkout,
        SetRecord,
        Workout,
        WorkoutListItem,
    )
    from workout_mcp.domain.plans import NewPlan, StoredPlan
    from workout_mcp.domain.progress import BoardRow
    from workout_mcp.domain.transfer import ImportBatch, ImportOutcome, LogExport

T = TypeVar("T")

LOCAL_USER_ID = "00000000-0000-0000-0000-000000000001"

# Who is asking, resolved per call: the local store keys rows by a user id, the Supabase store
# forwards the user's own access token so Row Level Security decides.
UserIdSource = Callable[[], str]
TokenSource = Callable[[], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int | None
    offset: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.items)
        if self.total is not None:
            return end if end < self.total else None
        return None


class StoreError(Exception):
    """Base of every error a store raises; its message is safe to show to the MCP client."""


class NotFound(StoreError):
    pass


class InvalidInput(StoreError):
    """The request cannot be stored as given (constraint violation, unknown exercise, ...)."""


class Conflict(StoreError):
    pass


class PermissionDenied(StoreError):
    """Row Level Security refused the operation."""


class AuthExpired(StoreError):
    """The user's token was rejected upstream (expired or invalid): sign in again."""


class UpstreamUnavailable(StoreError):
    """Supabase timed out, was unreachable, or answered with a 5xx or a malformed body."""


def check_page(limit: int, offset: int) -> None:
    """The paging bounds every store enforces (the tools bound the upper end)."""
    if limit < 1:
        raise InvalidInput("limit must be at least 1")
    if offset < 0:
        raise InvalidInput("offset must not be negative")


@runtime_checkable
class WorkoutStore(Protocol):
    """Everything the tools need. `exercise` arguments are an exercise id or name (case-insensitive)."""

    async def list_workouts(
        self, *, since: datetime | None, until: datetime | None, limit: int, offset: int
    ) -> Page[WorkoutListItem]:
        """Workouts newest first, with set counts and volume."""
        ...

    async def get_workout(self, workout_id: str) -> Workout:
        """One workout with its sets in order; `NotFound` when absent or not the caller's."""
        ...

    async def exercise_history(
        self, exercise: str, *, since: datetime | None, limit: int, offset: int
    ) -> tuple[Exercise, Page[SetRecord]]:
        """Sets of one exercise, newest first."""
        ...

    async def exercise_sets(self, exercise: str) -> tuple[Exercise, list[SetRecord]]:
        """Every set of one exercise the caller ever logged (for personal records); never truncated."""
        ...

    async def sets_between(self, since: datetime, until: datetime) -> list[SetRecord]:
        """Every set in [since, until), across exercises (for summaries); never truncated."""
        ...

    async def search_exercises(
        self,
        *,
        query: str | None,
        muscle_group: str | None,
        kind: ExerciseKind | None,
        limit: int,
        offset: int,
    ) -> Page[Exercise]:
        """Catalogue plus the caller's own exercises, by name."""
        ...

    async def log_workout(
        self, workout: NewWorkout, *, link: PlanLink | None = None, idempotency_key: str | None = None
    ) -> Workout:
        """Save a whole workout with its sets atomically: all of it or nothing.

        A retry is answered with the workout already saved: the same `idempotency_key`, or without a
        key the same payload (`edits.fingerprint`) saved within `RETRY_WINDOW_SECONDS`; a key reused
        for a different workout is a `Conflict`.
        """
        ...

    async def add_exercise(self, exercise: NewExercise) -> Exercise:
        """Add one of the caller's own exercises; `Conflict` when the name exists."""
        ...

    async def add_sets(self, workout_id: str, sets: list[NewSet], *, link: PlanLink | None = None) -> Workout:
        """Append sets to a workout (all or none), optionally linking it to a plan session."""
        ...

    async def update_set(self, workout_id: str, position: int, changes: SetChanges) -> Workout:
        """Change one set in place; `NotFound` for an unknown workout or position."""
        ...

    async def delete_set(self, workout_id: str, position: int) -> Workout:
        """Remove one set; later sets move up so positions stay 1..n. The only set cannot go."""
        ...

    async def update_workout(self, workout_id: str, changes: WorkoutChanges) -> Workout:
        """Change a workout's own fields (title, notes, times, session RPE)."""
        ...

    async def delete_workout(self, workout_id: str) -> WorkoutDeletion:
        """Mark a workout deleted (restorable for `RESTORE_DAYS`); a repeat answers what happened.

        Also purges workouts deleted longer ago than that. `NotFound` when absent or not the caller's.
        """
        ...

    async def restore_workout(self, workout_id: str) -> Workout:
        """Bring back a deleted workout with all its sets; a live workout is answered as it is."""
        ...

    async def records_board(self, *, limit: int, offset: int) -> Page[BoardRow]:
        """One row per exercise the caller trained, the most recent record first."""
        ...

    async def save_plan(self, plan: NewPlan) -> StoredPlan:
        """Create the plan, or replace the caller's plan of the same name (its id is kept)."""
        ...

    async def list_plans(self, *, limit: int, offset: int) -> Page[StoredPlan]:
        """The caller's plans, most recently changed first."""
        ...

    async def get_plan(self, plan: str) -> StoredPlan:
        """One plan by id or name (case-insensitive), with how often each session was logged."""
        ...

    async def delete_plan(self, plan: str) -> StoredPlan:
        """Delete a plan (workouts logged against it keep their sets, lose the link); answers what went."""
        ...

    async def log_body_weight(self, entry: NewBodyWeight) -> BodyWeight:
        """Save one measurement; the same `measured_at` again replaces it."""
        ...

    async def body_weights_between(self, since: datetime, until: datetime) -> list[BodyWeight]:
        """Every measurement in [since, until), oldest first; never truncated."""
        ...

    async def aclose(self) -> None: ...

    async def import_batch(
        self, batch: ImportBatch, *, progress: Callable[[int, int], None] | None = None
    ) -> ImportOutcome:
        """Add the batch's workouts not yet in the log (same start and title), atomically: all or none.

        Missing exercises become the caller's own; nothing already in the log is changed. `progress`
        hears (steps done, steps in all) as the store works through round trips.
        """
        ...

    async def export_log(self, *, since: datetime | None, until: datetime | None) -> LogExport:
        """The caller's own exercises and every workout started in [since, until), oldest first."""
        ...
