"""`WorkoutStore` over Supabase's PostgREST, called with the user's own access token.

Row Level Security in the database (see `supabase/migrations/`) decides what each user sees; this
module holds no service key. Every method is one HTTP round trip: reads and writes (all but
`add_exercise`, a plain insert) go through the migrations' SQL functions, which return one jsonb value
each, so PostgREST's max-rows cap can never truncate a result. Errors become the typed `StoreError`s
with short messages that never quote the upstream body or a token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, NoReturn

import httpx
from pydantic import ValidationError

from workout_mcp.domain.body_weight import BodyWeight, NewBodyWeight
from workout_mcp.domain.edits import PlanLink, SetChanges, WorkoutChanges, WorkoutDeletion, fingerprint
from workout_mcp.domain.models import (
    MUSCLE_GROUPS,
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
from workout_mcp.store.base import (
    AuthExpired,
    Conflict,
    InvalidInput,
    NotFound,
    Page,
    PermissionDenied,
    StoreError,
    TokenSource,
    UpstreamUnavailable,
    check_page,
)

logger = logging.getLogger(__name__)

MAX_PAGE = 1000  # the SQL functions clamp pages to PostgREST's default max-rows
EXERCISE_COLUMNS = "id,name,muscle_groups,equipment,kind,owner_id"
JWT_CODES = frozenset({"PGRST301", "PGRST302", "PGRST303"})
UNKNOWN_EXERCISES = re.compile(
    r"^set \d+: unknown exercise '(?:[^']|'')*'(?:; set \d+: unknown exercise '(?:[^']|'')*')*$"
)
SET_PREFIX = re.compile(r"^set (\d+): ")
CONSTRAINT_NAME = re.compile(r'constraint "([a-z_]+)"')
CONSTRAINT_FIXES = {
    "workouts_rpe_range": "session rpe must be between 1 and 10",
    "workouts_ended_after_started": "ended_at must not be before started_at",
    "workouts_title_length": "the title is too long (120 characters at most)",
    "workouts_notes_length": "the notes are too long (2000 characters at most)",
    "workout_sets_reps_range": "reps must be between 0 and 1000",
    "workout_sets_weight_range": "weight_kg must be between 0 and 1500",
    "workout_sets_duration_range": "duration_s must be between 0 and 86400",
    "workout_sets_distance_range": "distance_m must be between 0 and 1000000",
    "workout_sets_rpe_range": "rpe must be between 1 and 10",
    "workout_sets_has_measure": "a set needs reps, duration_s or distance_m",
    "exercises_name_length": "the name must be 1 to 80 characters",
    "exercises_equipment_length": "equipment must be 40 characters at most",
    "exercises_kind_check": "kind must be strength, cardio or mobility",
    "exercises_muscle_groups_count": "at most 6 muscle groups",
    "body_weights_weight_range": "weight must be between 20 and 400 kg",
    "workouts_plan_session_length": "the session name must be 1 to 40 characters",
    "workouts_idempotency_key_length": "idempotency_key must be 1 to 100 characters",
}
# Refusals our SQL functions raise with a message written for the user (see the migrations).
OWN_REFUSALS: dict[str, Callable[[str], StoreError]] = {
    "PT400": InvalidInput,
    "PT404": NotFound,
    "PT409": Conflict,
}


class _Rejected(Exception):
    """PostgREST answered with an SQL-level error; mapped to a typed error by the calling method."""

    def __init__(self, status: int, code: str, message: str, detail: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value.strip())
    except ValueError:
        return False
    return True


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _explain(err: _Rejected) -> str:
    """A short reason for a refused write, built from our own constraint names, never the raw text."""
    prefix = ""
    if m := SET_PREFIX.match(err.message):
        prefix = f"set {m.group(1)}: "
    if m := CONSTRAINT_NAME.search(err.message):
        fix = CONSTRAINT_FIXES.get(m.group(1))
        if fix:
            return prefix + fix
    if err.code.startswith("22"):
        return prefix + "a value is malformed or out of range"
    return prefix + "the values break a constraint of the log; check them and try again"


class SupabaseStore:
    """PostgREST-backed store; one instance serves every request, the token is resolved per call."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        supabase_url: str,
        anon_key: str,
        token: TokenSource,
        timeout: float = 10.0,
        *,
        read_attempts: int = 2,
        retry_backoff: float = 0.1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_auth_rejected: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._on_auth_rejected = on_auth_rejected
        self._rest = supabase_url.rstrip("/") + "/rest/v1"
        self._anon_key = anon_key
        self._token = token
        self._timeout = httpx.Timeout(timeout)
        self._read_attempts = max(1, read_attempts)
        self._backoff = retry_backoff
        self._sleep = sleep

    # --- transport ---------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        read: bool,
        json: Any = None,
        params: dict[str, str] | None = None,
        prefer: str | None = None,
    ) -> Any:
        try:
            return await self._send(
                method, path, what=what, read=read, json=json, params=params, prefer=prefer
            )
        except AuthExpired:
            if self._on_auth_rejected is None:
                raise
            # The stdio session's token was refused (clock skew, a revoked session): PostgREST did nothing
            # on a 401, so one retry with a freshly refreshed token is safe for writes too.
            self._on_auth_rejected()
            return await self._send(
                method, path, what=what, read=read, json=json, params=params, prefer=prefer
            )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        read: bool,
        json: Any = None,
        params: dict[str, str] | None = None,
        prefer: str | None = None,
    ) -> Any:
        headers = {
            "apikey": self._anon_key,
            "Authorization": f"Bearer {await self._token()}",
            "Accept": "application/json",
        }
        if prefer:
            headers["Prefer"] = prefer
        url = f"{self._rest}/{path}"
        attempts = self._read_attempts if read else 1
        for attempt in range(1, attempts + 1):
            retry = attempt < attempts
            try:
                response = await self._client.request(
                    method, url, json=json, params=params, headers=headers, timeout=self._timeout
                )
            except httpx.TimeoutException:
                logger.warning("supabase %s timed out", what)
                raise UpstreamUnavailable("Supabase did not answer in time; try again shortly") from None
            except httpx.TransportError as exc:
                logger.warning(
                    "supabase %s: connection failed (%s), attempt %d", what, type(exc).__name__, attempt
                )
                if retry:
                    await self._sleep(self._backoff * attempt)
                    continue
                raise UpstreamUnavailable("could not reach Supabase; try again shortly") from None
            if response.status_code >= 500:
                logger.warning(
                    "supabase %s failed: status=%d code=%s, attempt %d",
                    what,
                    response.status_code,
                    _code_of(response),
                    attempt,
                )
                if retry:
                    await self._sleep(self._backoff * attempt)
                    continue
                raise UpstreamUnavailable("Supabase is unavailable right now; try again shortly")
            return self._decode(response, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        if status == 204:
            return None
        if 200 <= status < 300:
            try:
                return response.json()
            except ValueError:
                logger.warning("supabase %s: unreadable body with status=%d", what, status)
                raise UpstreamUnavailable("Supabase sent an unreadable answer; try again") from None
        code = _code_of(response)
        logger.warning("supabase %s refused: status=%d code=%s", what, status, code)
        if status == 401 and (code in JWT_CODES or code == ""):
            raise AuthExpired("your Supabase session expired or is invalid; sign in again")
        if code == "42501" or status == 403:
            raise PermissionDenied("Supabase refused this for your account (row level security)")
        if code == "PGRST202" or code == "PGRST205" or code in ("42P01", "42883"):
            raise UpstreamUnavailable(
                "the Supabase project lacks the workout schema; apply supabase/migrations to it"
            )
        if status == 401:
            raise AuthExpired("Supabase rejected the credentials; sign in again")
        body = _body_of(response)
        raise _Rejected(status, code, str(body.get("message") or ""), str(body.get("details") or ""))

    async def _rpc(self, function: str, args: dict[str, Any], *, read: bool = True) -> Any:
        return await self._request("POST", f"rpc/{function}", what=function, read=read, json=args)

    @staticmethod
    def _refused(err: _Rejected, *, saved: bool = False, changed: bool = False) -> NoReturn:
        """Map an SQL-level refusal that the calling method did not handle itself."""
        suffix = "" if saved else ". Nothing was changed." if changed else ". Nothing was saved."
        if err.code == "23505":
            raise Conflict("that already exists" + suffix)
        if err.code == "PT404":
            raise NotFound("not found")
        if err.code.startswith(("22", "23")) or err.code == "P0001" or err.status == 400:
            raise InvalidInput(_explain(err) + suffix)
        raise StoreError(f"Supabase refused the request (status {err.status})")

    @staticmethod
    def _parse(model: Callable[..., Any], data: Any) -> Any:
        try:
            return model(**data) if isinstance(data, dict) else model(data)
        except (ValidationError, TypeError):
            logger.warning("supabase answer did not match %s", getattr(model, "__name__", "model"))
            raise UpstreamUnavailable(
                "Supabase sent an unexpected answer; is the migration up to date?"
            ) from None

    # --- WorkoutStore ------------------------------------------------------------------------------

    async def list_workouts(
        self, *, since: datetime | None, until: datetime | None, limit: int, offset: int
    ) -> Page[WorkoutListItem]:
        check_page(limit, offset)
        args = {
            "p_since": _iso(since),
            "p_until": _iso(until),
            "p_limit": min(limit, MAX_PAGE),
            "p_offset": offset,
        }
        try:
            data = await self._rpc("list_workouts", args)
        except _Rejected as err:
            self._refused(err, saved=True)
        items = []
        for raw in self._items(data):
            if isinstance(raw, dict) and isinstance(raw.get("volume_kg"), int | float):
                raw = {**raw, "volume_kg": round(float(raw["volume_kg"]), 1)}
            items.append(self._parse(WorkoutListItem, raw))
        return Page(items=items, total=self._total(data), offset=offset)

    async def get_workout(self, workout_id: str) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        try:
            data = await self._rpc("get_workout", {"p_workout_id": workout_id.strip()})
        except _Rejected as err:
            self._refused(err, saved=True)
        if data is None:
            raise NotFound(f"no workout with id {workout_id!r}")
        workout: Workout = self._parse(Workout, data)
        return workout

    async def exercise_history(
        self, exercise: str, *, since: datetime | None, limit: int, offset: int
    ) -> tuple[Exercise, Page[SetRecord]]:
        check_page(limit, offset)
        args = {
            "p_exercise": exercise,
            "p_since": _iso(since),
            "p_limit": min(limit, MAX_PAGE),
            "p_offset": offset,
        }
        data = await self._exercise_rpc("exercise_history", exercise, args)
        found: Exercise = self._parse(Exercise, data.get("exercise"))
        items = [self._parse(SetRecord, r) for r in self._items(data)]
        return found, Page(items=items, total=self._total(data), offset=offset)

    async def exercise_sets(self, exercise: str) -> tuple[Exercise, list[SetRecord]]:
        data = await self._exercise_rpc("exercise_sets", exercise, {"p_exercise": exercise})
        found: Exercise = self._parse(Exercise, data.get("exercise"))
        sets = data.get("sets")
        if not isinstance(sets, list):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return found, [self._parse(SetRecord, r) for r in sets]

    async def sets_between(self, since: datetime, until: datetime) -> list[SetRecord]:
        try:
            data = await self._rpc("sets_between", {"p_since": _iso(since), "p_until": _iso(until)})
        except _Rejected as err:
            self._refused(err, saved=True)
        if not isinstance(data, list):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return [self._parse(SetRecord, r) for r in data]

    async def search_exercises(
        self,
        *,
        query: str | None,
        muscle_group: str | None,
        kind: ExerciseKind | None,
        limit: int,
        offset: int,
    ) -> Page[Exercise]:
        check_page(limit, offset)
        group = None
        if muscle_group:
            group = muscle_group.strip().lower().replace(" ", "_")
            if group not in MUSCLE_GROUPS:
                raise InvalidInput(f"unknown muscle group {muscle_group!r}; use one of {list(MUSCLE_GROUPS)}")
        args = {
            "p_query": query,
            "p_muscle_group": group,
            "p_kind": kind,
            "p_limit": min(limit, MAX_PAGE),
            "p_offset": offset,
        }
        try:
            data = await self._rpc("search_exercises", args)
        except _Rejected as err:
            self._refused(err, saved=True)
        items = [self._parse(Exercise, r) for r in self._items(data)]
        return Page(items=items, total=self._total(data), offset=offset)

    async def log_workout(
        self, workout: NewWorkout, *, link: PlanLink | None = None, idempotency_key: str | None = None
    ) -> Workout:
        payload = workout.model_dump(mode="json")
        payload["request_hash"] = fingerprint(workout, link)
        payload["idempotency_key"] = idempotency_key
        if link is not None:
            payload.update(plan_id=link.plan_id, plan_session=link.session)
        return await self._workout_write("log_workout", {"payload": payload})

    async def _workout_write(self, function: str, args: dict[str, Any], *, changed: bool = False) -> Workout:
        """A write RPC that answers the workout as stored (get_workout's shape)."""
        try:
            data = await self._rpc(function, args, read=False)
        except _Rejected as err:
            if err.code == "P0001" and UNKNOWN_EXERCISES.match(err.message):
                raise InvalidInput(
                    err.message + ". Use search_exercises for the exact name, or add_exercise to create it. "
                    "Nothing was saved."
                ) from None
            self._own_refusal(err)
            self._refused(err, saved=False, changed=changed)
        if data is None:
            raise NotFound("no such workout")
        saved: Workout = self._parse(Workout, data)
        return saved

    @staticmethod
    def _own_refusal(err: _Rejected) -> None:
        """Raise the typed error for a refusal our SQL functions word themselves (PT400/404/409)."""
        kind = OWN_REFUSALS.get(err.code)
        if kind is not None and err.message:
            raise kind(err.message) from None

    async def add_sets(self, workout_id: str, sets: list[NewSet], *, link: PlanLink | None = None) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        payload: dict[str, Any] = {
            "workout_id": workout_id.strip(),
            "sets": [s.model_dump(mode="json") for s in sets],
        }
        if link is not None:
            payload.update(plan_id=link.plan_id, plan_session=link.session)
        return await self._workout_write("add_sets", {"payload": payload})

    async def update_set(self, workout_id: str, position: int, changes: SetChanges) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        payload = {
            "workout_id": workout_id.strip(),
            "position": position,
            "changes": changes.columns(),
            "exercise": changes.exercise,
        }
        return await self._workout_write("update_set", {"payload": payload}, changed=True)

    async def delete_set(self, workout_id: str, position: int) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        payload = {"workout_id": workout_id.strip(), "position": position}
        return await self._workout_write("delete_set", {"payload": payload}, changed=True)

    async def update_workout(self, workout_id: str, changes: WorkoutChanges) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        columns = {k: _iso(v) if isinstance(v, datetime) else v for k, v in changes.columns().items()}
        payload = {"workout_id": workout_id.strip(), "changes": columns}
        return await self._workout_write("update_workout", {"payload": payload}, changed=True)

    async def restore_workout(self, workout_id: str) -> Workout:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        try:
            return await self._workout_write("restore_workout", {"p_workout_id": workout_id.strip()})
        except NotFound:
            raise NotFound(
                f"no workout with id {workout_id!r} to restore (deleted workouts can be restored for 30 days)"
            ) from None

    async def records_board(self, *, limit: int, offset: int) -> Page[BoardRow]:
        check_page(limit, offset)
        try:
            data = await self._rpc("records_board", {"p_limit": min(limit, MAX_PAGE), "p_offset": offset})
        except _Rejected as err:
            self._refused(err, saved=True)
        items = [self._parse(BoardRow, r) for r in self._items(data)]
        return Page(items=items, total=self._total(data), offset=offset)

    async def save_plan(self, plan: NewPlan) -> StoredPlan:
        try:
            data = await self._rpc("save_plan", {"payload": plan.model_dump(mode="json")}, read=False)
        except _Rejected as err:
            self._own_refusal(err)
            self._refused(err)
        saved: StoredPlan = self._parse(StoredPlan, data)
        return saved

    async def list_plans(self, *, limit: int, offset: int) -> Page[StoredPlan]:
        check_page(limit, offset)
        try:
            data = await self._rpc("list_plans", {"p_limit": min(limit, MAX_PAGE), "p_offset": offset})
        except _Rejected as err:
            self._refused(err, saved=True)
        items = [self._parse(StoredPlan, r) for r in self._items(data)]
        return Page(items=items, total=self._total(data), offset=offset)

    async def _plan_call(self, function: str, plan: str, *, read: bool) -> StoredPlan:
        try:
            data = await self._rpc(function, {"p_plan": plan}, read=read)
        except _Rejected as err:
            self._refused(err, saved=True)
        if data is None:
            raise NotFound(f"no plan {plan!r}; list_plans shows yours")
        found: StoredPlan = self._parse(StoredPlan, data)
        return found

    async def get_plan(self, plan: str) -> StoredPlan:
        return await self._plan_call("get_plan", plan, read=True)

    async def delete_plan(self, plan: str) -> StoredPlan:
        return await self._plan_call("delete_plan", plan, read=False)

    async def log_body_weight(self, entry: NewBodyWeight) -> BodyWeight:
        try:
            data = await self._rpc("log_body_weight", {"payload": entry.model_dump(mode="json")}, read=False)
        except _Rejected as err:
            self._refused(err)
        saved: BodyWeight = self._parse(BodyWeight, data)
        return saved

    async def body_weights_between(self, since: datetime, until: datetime) -> list[BodyWeight]:
        try:
            data = await self._rpc("body_weights_between", {"p_since": _iso(since), "p_until": _iso(until)})
        except _Rejected as err:
            self._refused(err, saved=True)
        if not isinstance(data, list):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return [self._parse(BodyWeight, r) for r in data]

    async def add_exercise(self, exercise: NewExercise) -> Exercise:
        body = exercise.model_dump(mode="json")
        try:
            rows = await self._request(
                "POST",
                "exercises",
                what="add_exercise",
                read=False,
                json=body,
                params={"select": EXERCISE_COLUMNS},
                prefer="return=representation",
            )
        except _Rejected as err:
            if err.code == "23505":
                where = "the catalogue" if err.detail == "catalogue" else "your exercises"
                raise Conflict(f"{exercise.name!r} already exists in {where}; log sets against it") from None
            self._refused(err)
        if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], dict):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        row = rows[0]
        created: Exercise = self._parse(Exercise, {**row, "custom": row.get("owner_id") is not None})
        return created

    async def delete_workout(self, workout_id: str) -> WorkoutDeletion:
        if not _is_uuid(workout_id):
            raise NotFound(f"no workout with id {workout_id!r}")
        try:
            data = await self._rpc("delete_workout", {"p_workout_id": workout_id.strip()}, read=False)
        except _Rejected as err:
            self._refused(err, saved=True)
        if data is None:
            raise NotFound(f"no workout with id {workout_id!r}")
        done: WorkoutDeletion = self._parse(WorkoutDeletion, data)
        return done

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by the app; nothing to close here."""

    # --- helpers -----------------------------------------------------------------------------------

    async def _exercise_rpc(self, function: str, exercise: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            data = await self._rpc(function, args)
        except _Rejected as err:
            if err.code == "PT404":
                raise NotFound(
                    f"no exercise called {exercise!r}; search_exercises lists the known names"
                ) from None
            self._refused(err, saved=True)
        if not isinstance(data, dict):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return data

    @staticmethod
    def _items(data: Any) -> list[Any]:
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return items

    @staticmethod
    def _total(data: Any) -> int:
        total = data.get("total") if isinstance(data, dict) else None
        if not isinstance(total, int):
            raise UpstreamUnavailable("Supabase sent an unexpected answer; is the migration up to date?")
        return total


def _body_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _code_of(response: httpx.Response) -> str:
    code = _body_of(response).get("code")
    return code if isinstance(code, str) else ""
