"""`WorkoutStore` on one SQLite file: the embedded default when no Supabase is configured.

Rows carry their owner's user id and every query filters on it, the way Row Level Security does in
Supabase: catalogue exercises (`owner_id` null) are shared and read-only, everything else is private.
All SQLite work runs on worker threads, one statement batch at a time over a single connection, so the
event loop never blocks and concurrent requests cannot interleave inside a transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import anyio
import anyio.to_thread

from workout_mcp.domain.analytics import volume_kg
from workout_mcp.domain.body_weight import BodyWeight, NewBodyWeight
from workout_mcp.domain.edits import (
    RESTORE_DAYS,
    RETRY_WINDOW_SECONDS,
    PlanLink,
    SetChanges,
    WorkoutChanges,
    WorkoutDeletion,
    fingerprint,
)
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
    WorkoutSet,
)
from workout_mcp.domain.plans import NewPlan, PlanExercise, PlanSession, StoredPlan, session_key
from workout_mcp.domain.progress import BoardRow
from workout_mcp.store.base import (
    LOCAL_USER_ID,
    Conflict,
    InvalidInput,
    NotFound,
    Page,
    StoreError,
    UserIdSource,
    check_page,
)
from workout_mcp.store.catalogue import catalogue_exercises

T = TypeVar("T")

MAX_SETS = 200
_SHIFT = 1_000_000  # temporary offset while renumbering positions

# Each migration is a list of statements run in one transaction that also bumps PRAGMA user_version.
# Append new migrations; never edit a released one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE exercises (
            id TEXT PRIMARY KEY,
            owner_id TEXT,
            name TEXT NOT NULL CONSTRAINT exercise_name_length CHECK (length(name) BETWEEN 1 AND 80),
            name_key TEXT NOT NULL,
            muscle_groups TEXT NOT NULL DEFAULT '[]'
                CONSTRAINT exercise_muscle_groups_array CHECK (json_type(muscle_groups) = 'array'),
            equipment TEXT,
            kind TEXT NOT NULL DEFAULT 'strength'
                CONSTRAINT exercise_kind CHECK (kind IN ('strength', 'cardio', 'mobility'))
        )
        """,
        "CREATE UNIQUE INDEX exercises_owner_name_key ON exercises (ifnull(owner_id, ''), name_key)",
        "CREATE INDEX exercises_name_key ON exercises (name_key, owner_id)",
        """
        CREATE TABLE workouts (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            title TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            notes TEXT,
            rpe REAL CONSTRAINT workout_rpe_range CHECK (rpe IS NULL OR rpe BETWEEN 1 AND 10),
            created_at TEXT NOT NULL,
            CONSTRAINT workout_ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
        )
        """,
        "CREATE INDEX workouts_user_started ON workouts (user_id, started_at)",
        """
        CREATE TABLE workout_sets (
            id TEXT PRIMARY KEY,
            workout_id TEXT NOT NULL REFERENCES workouts (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            exercise_id TEXT NOT NULL REFERENCES exercises (id),
            position INTEGER NOT NULL CONSTRAINT set_position_positive CHECK (position >= 1),
            reps INTEGER CONSTRAINT set_reps_not_negative CHECK (reps IS NULL OR reps >= 0),
            weight_kg REAL CONSTRAINT set_weight_not_negative CHECK (weight_kg IS NULL OR weight_kg >= 0),
            duration_s INTEGER
                CONSTRAINT set_duration_not_negative CHECK (duration_s IS NULL OR duration_s >= 0),
            distance_m REAL
                CONSTRAINT set_distance_not_negative CHECK (distance_m IS NULL OR distance_m >= 0),
            rpe REAL CONSTRAINT set_rpe_range CHECK (rpe IS NULL OR rpe BETWEEN 1 AND 10),
            is_warmup INTEGER NOT NULL DEFAULT 0 CHECK (is_warmup IN (0, 1)),
            CONSTRAINT set_has_measure
                CHECK (reps IS NOT NULL OR duration_s IS NOT NULL OR distance_m IS NOT NULL),
            UNIQUE (workout_id, position)
        )
        """,
        "CREATE INDEX workout_sets_user_exercise ON workout_sets (user_id, exercise_id)",
        "CREATE INDEX workout_sets_exercise ON workout_sets (exercise_id)",
    ),
    # 2: the training log: soft delete, retries, plans of sessions, body weight.
    (
        """
        CREATE TABLE plans (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            name TEXT NOT NULL CONSTRAINT plan_name_length CHECK (length(name) BETWEEN 1 AND 120),
            name_key TEXT NOT NULL,
            notes TEXT CONSTRAINT plan_notes_length CHECK (notes IS NULL OR length(notes) <= 2000),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (user_id, name_key)
        )
        """,
        """
        CREATE TABLE plan_items (
            id TEXT PRIMARY KEY,
            plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            session_position INTEGER NOT NULL CHECK (session_position >= 1),
            session_name TEXT NOT NULL CHECK (length(session_name) BETWEEN 1 AND 40),
            position INTEGER NOT NULL CHECK (position >= 1),
            exercise_id TEXT NOT NULL REFERENCES exercises (id),
            target_sets INTEGER NOT NULL CHECK (target_sets BETWEEN 1 AND 100),
            target_reps INTEGER CHECK (target_reps IS NULL OR target_reps BETWEEN 0 AND 1000),
            target_weight_kg REAL
                CHECK (target_weight_kg IS NULL OR target_weight_kg BETWEEN 0 AND 1500),
            target_rpe REAL CHECK (target_rpe IS NULL OR target_rpe BETWEEN 1 AND 10),
            notes TEXT CHECK (notes IS NULL OR length(notes) <= 500),
            UNIQUE (plan_id, position)
        )
        """,
        "CREATE INDEX plan_items_exercise ON plan_items (exercise_id)",
        "ALTER TABLE workouts ADD COLUMN deleted_at TEXT",
        "ALTER TABLE workouts ADD COLUMN plan_id TEXT REFERENCES plans (id) ON DELETE SET NULL",
        "ALTER TABLE workouts ADD COLUMN plan_session TEXT",
        "ALTER TABLE workouts ADD COLUMN idempotency_key TEXT",
        "ALTER TABLE workouts ADD COLUMN request_hash TEXT",
        "CREATE UNIQUE INDEX workouts_user_idempotency_key ON workouts (user_id, idempotency_key) "
        "WHERE idempotency_key IS NOT NULL",
        "CREATE INDEX workouts_user_request_hash ON workouts (user_id, request_hash, created_at)",
        "CREATE INDEX workouts_deleted_at ON workouts (deleted_at) WHERE deleted_at IS NOT NULL",
        "CREATE INDEX workouts_plan ON workouts (plan_id, plan_session) WHERE plan_id IS NOT NULL",
        """
        CREATE TABLE body_weights (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            weight_kg REAL NOT NULL CONSTRAINT body_weight_range CHECK (weight_kg BETWEEN 20 AND 400),
            measured_at TEXT NOT NULL,
            note TEXT CHECK (note IS NULL OR length(note) <= 200),
            created_at TEXT NOT NULL,
            UNIQUE (user_id, measured_at)
        )
        """,
    ),
)

_CONSTRAINT_FIXES = {
    "workout_rpe_range": "session rpe must be between 1 and 10",
    "workout_ends_after_start": "ended_at must not be before started_at",
    "set_reps_not_negative": "reps must not be negative",
    "set_weight_not_negative": "weight_kg must not be negative",
    "set_duration_not_negative": "duration_s must not be negative",
    "set_distance_not_negative": "distance_m must not be negative",
    "set_rpe_range": "rpe must be between 1 and 10",
    "set_has_measure": "a set needs reps, duration_s or distance_m",
    "body_weight_range": "weight must be between 20 and 400 kg",
}

_SET_COLUMNS = """
    s.id, s.workout_id, s.exercise_id, s.position, s.reps, s.weight_kg, s.duration_s, s.distance_m,
    s.rpe, s.is_warmup, e.name AS exercise_name, e.muscle_groups, w.started_at
"""


# One line per exercise: the heaviest working set and the best Epley e1RM (1-12 reps), the earliest
# set winning a tie, as `analytics.personal_records` chooses them; the newest record first.
_BOARD_SQL = """
WITH mine AS (
    SELECT s.exercise_id, s.workout_id, s.position, s.reps, s.weight_kg, s.is_warmup, w.started_at
    FROM workout_sets s JOIN workouts w ON w.id = s.workout_id
    WHERE w.user_id = ? AND w.deleted_at IS NULL
), loaded AS (
    SELECT *, CASE WHEN reps = 1 THEN weight_kg
                   WHEN reps BETWEEN 2 AND 12 THEN weight_kg * (1 + reps / 30.0) END AS e1rm
    FROM mine WHERE NOT is_warmup AND weight_kg IS NOT NULL AND reps >= 1
), heavy AS (
    SELECT *, row_number() OVER (
        PARTITION BY exercise_id ORDER BY weight_kg DESC, reps DESC, started_at, workout_id, position
    ) AS rn FROM loaded
), best AS (
    SELECT *, row_number() OVER (
        PARTITION BY exercise_id ORDER BY e1rm DESC, started_at, workout_id, position
    ) AS rn FROM loaded WHERE e1rm IS NOT NULL
), per_exercise AS (
    SELECT exercise_id, count(DISTINCT workout_id) AS sessions, sum(NOT is_warmup) AS working_sets,
           max(started_at) AS last_performed_at
    FROM mine GROUP BY exercise_id
)
SELECT p.exercise_id, e.name AS exercise_name, p.sessions, p.working_sets, p.last_performed_at,
       h.weight_kg AS heaviest_weight_kg, h.reps AS heaviest_reps, h.started_at AS heaviest_at,
       h.workout_id AS heaviest_workout_id,
       b.e1rm AS e1rm_kg, b.weight_kg AS e1rm_weight_kg, b.reps AS e1rm_reps, b.started_at AS e1rm_at,
       b.workout_id AS e1rm_workout_id,
       CASE WHEN b.started_at IS NULL THEN coalesce(h.started_at, p.last_performed_at)
            ELSE max(h.started_at, b.started_at) END AS record_at
FROM per_exercise p
JOIN exercises e ON e.id = p.exercise_id
LEFT JOIN heavy h ON h.exercise_id = p.exercise_id AND h.rn = 1
LEFT JOIN best b ON b.exercise_id = p.exercise_id AND b.rn = 1
ORDER BY record_at DESC, e.name_key, p.exercise_id
LIMIT ? OFFSET ?
"""


def name_key(name: str) -> str:
    """How exercise names are compared: case-insensitive, surrounding and repeated spaces ignored."""
    return " ".join(name.split()).lower()


def _ts(moment: datetime) -> str:
    """Fixed-width UTC text, so that comparing the strings compares the instants."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _explain(error: sqlite3.IntegrityError) -> str:
    message = str(error)
    for constraint, fix in _CONSTRAINT_FIXES.items():
        if constraint in message:
            return fix
    return "the values break a constraint of the log; check them and try again"


def migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Bring the schema up to date, one transaction per step; returns the resulting schema version."""
    for number, statements in enumerate(migrations, start=1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read the version inside the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(migrations):
                raise StoreError(
                    f"the workout log (schema {version}) was written by a newer workout-mcp; upgrade it"
                )
            if version < number:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    current: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(migrations):
        raise StoreError(f"the workout log (schema {current}) was written by a newer workout-mcp; upgrade it")
    return current


def _seed_catalogue(conn: sqlite3.Connection) -> None:
    rows = [
        (e.id, e.name, name_key(e.name), json.dumps(e.muscle_groups), e.equipment, e.kind)
        for e in catalogue_exercises()
    ]
    # Upsert on every open so a newer release's catalogue reaches existing files; unchanged rows are
    # left alone so opening does not rewrite the file.
    conn.executemany(
        """
        INSERT INTO exercises (id, owner_id, name, name_key, muscle_groups, equipment, kind)
        VALUES (?, NULL, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, name_key = excluded.name_key, muscle_groups = excluded.muscle_groups,
            equipment = excluded.equipment, kind = excluded.kind
        WHERE exercises.name IS NOT excluded.name
            OR exercises.muscle_groups IS NOT excluded.muscle_groups
            OR exercises.equipment IS NOT excluded.equipment
            OR exercises.kind IS NOT excluded.kind
        """,
        rows,
    )


@contextmanager
def _transaction(conn: sqlite3.Connection, *, write: bool) -> Iterator[sqlite3.Connection]:
    # IMMEDIATE takes the write lock up front, so a write never fails half-way on a busy upgrade;
    # reads still run in a transaction so a count and its page see one snapshot.
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _exercise(row: sqlite3.Row) -> Exercise:
    return Exercise(
        id=row["id"],
        name=row["name"],
        muscle_groups=json.loads(row["muscle_groups"]),
        equipment=row["equipment"],
        kind=row["kind"],
        custom=row["owner_id"] is not None,
    )


def _set_record(row: sqlite3.Row) -> SetRecord:
    return SetRecord(
        workout_id=row["workout_id"],
        performed_at=datetime.fromisoformat(row["started_at"]),
        exercise_id=row["exercise_id"],
        exercise_name=row["exercise_name"],
        muscle_groups=json.loads(row["muscle_groups"]),
        reps=row["reps"],
        weight_kg=row["weight_kg"],
        duration_s=row["duration_s"],
        distance_m=row["distance_m"],
        rpe=row["rpe"],
        is_warmup=bool(row["is_warmup"]),
    )


def _workout_set(row: sqlite3.Row) -> WorkoutSet:
    return WorkoutSet(
        id=row["id"],
        exercise_id=row["exercise_id"],
        exercise_name=row["exercise_name"],
        position=row["position"],
        reps=row["reps"],
        weight_kg=row["weight_kg"],
        duration_s=row["duration_s"],
        distance_m=row["distance_m"],
        rpe=row["rpe"],
        is_warmup=bool(row["is_warmup"]),
    )


def _body_weight(row: sqlite3.Row) -> BodyWeight:
    return BodyWeight(
        id=row["id"],
        weight_kg=row["weight_kg"],
        measured_at=datetime.fromisoformat(row["measured_at"]),
        note=row["note"],
    )


class _Lift(NamedTuple):
    reps: int | None
    weight_kg: float | None
    is_warmup: bool


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class LocalStore:
    """SQLite-backed `WorkoutStore`; the file and its schema are created on first use."""

    def __init__(
        self,
        path: Path | str,
        user_id: UserIdSource = lambda: LOCAL_USER_ID,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._path = str(path)
        self._user_id = user_id
        self._clock = clock
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        # One connection, used by one worker thread at a time: SQLite serialises writers anyway, and
        # the lock keeps a transaction from ever interleaving with another request's statements.
        self._lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None

    # --- plumbing ----------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the workout log is closed")
        if self._conn is None:
            if self._path != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute("PRAGMA journal_mode = WAL")
                migrate(conn)
                with _transaction(conn, write=True):
                    _seed_catalogue(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _locked(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            return work(self._connection())

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(1)
        return await anyio.to_thread.run_sync(self._locked, work, limiter=self._limiter)

    def _user(self) -> str:
        # Resolved on the event loop, where the request's context variables live.
        user = self._user_id()
        if not user:
            raise StoreError("no user for this request")
        return user

    @staticmethod
    def _resolve(conn: sqlite3.Connection, user: str, ref: str) -> sqlite3.Row | None:
        visible = "(owner_id = ? OR owner_id IS NULL)"
        row: sqlite3.Row | None = conn.execute(
            f"SELECT * FROM exercises WHERE id = ? AND {visible}",  # noqa: S608 - constant fragment
            (ref.strip(), user),
        ).fetchone()
        if row is None:
            # Own exercises before the catalogue: `owner_id IS NULL` sorts false (own) first.
            row = conn.execute(
                f"SELECT * FROM exercises WHERE name_key = ? AND {visible} "  # noqa: S608
                "ORDER BY owner_id IS NULL LIMIT 1",
                (name_key(ref), user),
            ).fetchone()
        return row

    def _resolve_or_404(self, conn: sqlite3.Connection, user: str, ref: str) -> Exercise:
        row = self._resolve(conn, user, ref)
        if row is None:
            raise NotFound(f"no exercise called {ref!r}; search_exercises lists the known names")
        return _exercise(row)

    @staticmethod
    def _load_workout(conn: sqlite3.Connection, user: str, workout_id: str) -> Workout:
        row = conn.execute(
            "SELECT * FROM workouts WHERE id = ? AND user_id = ? AND deleted_at IS NULL", (workout_id, user)
        ).fetchone()
        if row is None:
            raise NotFound(f"no workout with id {workout_id!r}")
        sets = conn.execute(
            f"SELECT {_SET_COLUMNS} FROM workout_sets s "  # noqa: S608 - constant fragment
            "JOIN exercises e ON e.id = s.exercise_id JOIN workouts w ON w.id = s.workout_id "
            "WHERE s.workout_id = ? ORDER BY s.position",
            (workout_id,),
        ).fetchall()
        return Workout(
            id=row["id"],
            title=row["title"],
            started_at=datetime.fromisoformat(row["started_at"]),
            ended_at=_dt(row["ended_at"]),
            notes=row["notes"],
            rpe=row["rpe"],
            sets=[_workout_set(s) for s in sets],
            plan_id=row["plan_id"],
            plan_session=row["plan_session"],
        )

    # --- WorkoutStore ------------------------------------------------------------------------------

    async def list_workouts(
        self, *, since: datetime | None, until: datetime | None, limit: int, offset: int
    ) -> Page[WorkoutListItem]:
        """Workouts started in [since, until), newest first, with set counts and working-set volume."""
        check_page(limit, offset)
        user = self._user()
        where = (
            "user_id = ? AND deleted_at IS NULL AND (? IS NULL OR started_at >= ?) "
            "AND (? IS NULL OR started_at < ?)"
        )
        lo = None if since is None else _ts(since)
        hi = None if until is None else _ts(until)
        args = (user, lo, lo, hi, hi)

        def work(conn: sqlite3.Connection) -> Page[WorkoutListItem]:
            with _transaction(conn, write=False):
                total = conn.execute(f"SELECT count(*) FROM workouts WHERE {where}", args).fetchone()[0]  # noqa: S608
                rows = conn.execute(
                    f"SELECT * FROM workouts WHERE {where} "  # noqa: S608 - constant fragment
                    "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
                    (*args, limit, offset),
                ).fetchall()
                ids = [r["id"] for r in rows]
                marks = ",".join("?" * len(ids))
                set_rows = conn.execute(
                    "SELECT s.workout_id, s.reps, s.weight_kg, s.is_warmup, e.name FROM workout_sets s "  # noqa: S608
                    f"JOIN exercises e ON e.id = s.exercise_id WHERE s.workout_id IN ({marks}) "
                    "ORDER BY s.workout_id, s.position",
                    ids,
                ).fetchall()
            lifts: dict[str, list[_Lift]] = {i: [] for i in ids}
            names: dict[str, dict[str, None]] = {i: {} for i in ids}
            for s in set_rows:
                lifts[s["workout_id"]].append(_Lift(s["reps"], s["weight_kg"], bool(s["is_warmup"])))
                names[s["workout_id"]][s["name"]] = None
            items = [
                WorkoutListItem(
                    id=r["id"],
                    title=r["title"],
                    started_at=datetime.fromisoformat(r["started_at"]),
                    ended_at=_dt(r["ended_at"]),
                    set_count=len(lifts[r["id"]]),
                    exercise_names=list(names[r["id"]]),
                    volume_kg=round(volume_kg(lifts[r["id"]]), 1),
                )
                for r in rows
            ]
            return Page(items=items, total=total, offset=offset)

        return await self._run(work)

    async def get_workout(self, workout_id: str) -> Workout:
        user = self._user()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=False):
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    async def exercise_history(
        self, exercise: str, *, since: datetime | None, limit: int, offset: int
    ) -> tuple[Exercise, Page[SetRecord]]:
        """Sets of one exercise, newest workout first and each workout's sets in order."""
        check_page(limit, offset)
        user = self._user()
        lo = None if since is None else _ts(since)

        def work(conn: sqlite3.Connection) -> tuple[Exercise, Page[SetRecord]]:
            with _transaction(conn, write=False):
                found = self._resolve_or_404(conn, user, exercise)
                joins = (
                    "FROM workout_sets s JOIN workouts w ON w.id = s.workout_id "
                    "JOIN exercises e ON e.id = s.exercise_id "
                    "WHERE w.user_id = ? AND w.deleted_at IS NULL AND s.exercise_id = ? "
                    "AND (? IS NULL OR w.started_at >= ?)"
                )
                args = (user, found.id, lo, lo)
                total = conn.execute(f"SELECT count(*) {joins}", args).fetchone()[0]
                rows = conn.execute(
                    f"SELECT {_SET_COLUMNS} {joins} "
                    "ORDER BY w.started_at DESC, w.id DESC, s.position LIMIT ? OFFSET ?",
                    (*args, limit, offset),
                ).fetchall()
            return found, Page(items=[_set_record(r) for r in rows], total=total, offset=offset)

        return await self._run(work)

    async def exercise_sets(self, exercise: str) -> tuple[Exercise, list[SetRecord]]:
        """Every set of one exercise the caller logged, oldest first."""
        user = self._user()

        def work(conn: sqlite3.Connection) -> tuple[Exercise, list[SetRecord]]:
            with _transaction(conn, write=False):
                found = self._resolve_or_404(conn, user, exercise)
                rows = conn.execute(
                    f"SELECT {_SET_COLUMNS} FROM workout_sets s "  # noqa: S608 - constant fragment
                    "JOIN workouts w ON w.id = s.workout_id JOIN exercises e ON e.id = s.exercise_id "
                    "WHERE w.user_id = ? AND w.deleted_at IS NULL AND s.exercise_id = ? "
                    "ORDER BY w.started_at, w.id, s.position",
                    (user, found.id),
                ).fetchall()
            return found, [_set_record(r) for r in rows]

        return await self._run(work)

    async def sets_between(self, since: datetime, until: datetime) -> list[SetRecord]:
        """Every set of workouts started in [since, until), oldest first."""
        user = self._user()
        args = (user, _ts(since), _ts(until))

        def work(conn: sqlite3.Connection) -> list[SetRecord]:
            rows = conn.execute(
                f"SELECT {_SET_COLUMNS} FROM workout_sets s "  # noqa: S608 - constant fragment
                "JOIN workouts w ON w.id = s.workout_id JOIN exercises e ON e.id = s.exercise_id "
                "WHERE w.user_id = ? AND w.deleted_at IS NULL AND w.started_at >= ? AND w.started_at < ? "
                "ORDER BY w.started_at, w.id, s.position",
                args,
            ).fetchall()
            return [_set_record(r) for r in rows]

        return await self._run(work)

    async def search_exercises(
        self,
        *,
        query: str | None,
        muscle_group: str | None,
        kind: ExerciseKind | None,
        limit: int,
        offset: int,
    ) -> Page[Exercise]:
        """Catalogue plus the caller's own exercises whose names contain every word of `query`.

        Exact name first, then names starting with the query, then alphabetical.
        """
        check_page(limit, offset)
        user = self._user()
        clauses = ["(owner_id IS NULL OR owner_id = ?)"]
        args: list[Any] = [user]
        key = name_key(query or "")
        for word in key.split():
            clauses.append("name_key LIKE ? ESCAPE '\\'")
            args.append(f"%{_like_escape(word)}%")
        if muscle_group:
            group = muscle_group.strip().lower().replace(" ", "_")
            if group not in MUSCLE_GROUPS:
                raise InvalidInput(f"unknown muscle group {muscle_group!r}; use one of {list(MUSCLE_GROUPS)}")
            clauses.append("EXISTS (SELECT 1 FROM json_each(exercises.muscle_groups) WHERE value = ?)")
            args.append(group)
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        where = " AND ".join(clauses)

        def work(conn: sqlite3.Connection) -> Page[Exercise]:
            with _transaction(conn, write=False):
                total = conn.execute(f"SELECT count(*) FROM exercises WHERE {where}", args).fetchone()[0]  # noqa: S608
                rows = conn.execute(
                    f"SELECT * FROM exercises WHERE {where} "  # noqa: S608 - built from constant fragments
                    "ORDER BY name_key = ? DESC, name_key LIKE ? ESCAPE '\\' DESC, name_key, "
                    "owner_id IS NULL LIMIT ? OFFSET ?",
                    (*args, key, f"{_like_escape(key)}%", limit, offset),
                ).fetchall()
            return Page(items=[_exercise(r) for r in rows], total=total, offset=offset)

        return await self._run(work)

    async def log_workout(
        self, workout: NewWorkout, *, link: PlanLink | None = None, idempotency_key: str | None = None
    ) -> Workout:
        """Save the workout and all its sets in one transaction, or nothing with `InvalidInput`.

        A retry (same key, or the same payload within the retry window) answers the saved workout.
        """
        user = self._user()
        request_hash = fingerprint(workout, link)
        now = self._clock()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                earlier = self._earlier_copy(conn, user, request_hash, idempotency_key, now)
                if earlier is not None:
                    return self._load_workout(conn, user, earlier)
                exercise_ids = self._resolve_sets(conn, user, workout.sets, first=1)
                plan_id, session = self._plan_link(conn, user, link)
                workout_id = str(uuid.uuid4())
                try:
                    conn.execute(
                        "INSERT INTO workouts (id, user_id, title, started_at, ended_at, notes, rpe, "
                        "created_at, plan_id, plan_session, idempotency_key, request_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            workout_id,
                            user,
                            workout.title,
                            _ts(workout.started_at),
                            None if workout.ended_at is None else _ts(workout.ended_at),
                            workout.notes,
                            workout.rpe,
                            _ts(now),
                            plan_id,
                            session,
                            idempotency_key,
                            request_hash,
                        ),
                    )
                except sqlite3.IntegrityError as exc:
                    raise InvalidInput(f"workout: {_explain(exc)}. Nothing was saved.") from None
                self._insert_sets(conn, user, workout_id, workout.sets, exercise_ids, first=1)
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    @staticmethod
    def _earlier_copy(
        conn: sqlite3.Connection, user: str, request_hash: str, key: str | None, now: datetime
    ) -> str | None:
        if key is not None:
            row = conn.execute(
                "SELECT id, request_hash FROM workouts WHERE user_id = ? AND idempotency_key = ?", (user, key)
            ).fetchone()
            if row is None:
                return None
            if row["request_hash"] != request_hash:
                raise Conflict(
                    "that idempotency_key already saved a different workout; use a new key for a new "
                    "workout. Nothing was saved."
                )
            return str(row["id"])
        row = conn.execute(
            "SELECT id FROM workouts WHERE user_id = ? AND request_hash = ? AND created_at >= ? "
            "AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 1",
            (user, request_hash, _ts(now - timedelta(seconds=RETRY_WINDOW_SECONDS))),
        ).fetchone()
        return None if row is None else str(row["id"])

    def _resolve_sets(
        self, conn: sqlite3.Connection, user: str, sets: Sequence[NewSet], *, first: int
    ) -> list[str]:
        exercise_ids: list[str] = []
        unknown: list[str] = []
        for position, s in enumerate(sets, start=first):
            row = self._resolve(conn, user, s.exercise)
            if row is None:
                unknown.append(f"set {position}: unknown exercise {s.exercise!r}")
            else:
                exercise_ids.append(row["id"])
        if unknown:
            raise InvalidInput(
                "; ".join(unknown) + ". Use search_exercises for the exact name, or add_exercise "
                "to create it. Nothing was saved."
            )
        return exercise_ids

    @staticmethod
    def _insert_sets(
        conn: sqlite3.Connection,
        user: str,
        workout_id: str,
        sets: Sequence[NewSet],
        exercise_ids: Sequence[str],
        *,
        first: int,
    ) -> None:
        for position, (s, exercise_id) in enumerate(zip(sets, exercise_ids, strict=True), first):
            try:
                conn.execute(
                    "INSERT INTO workout_sets (id, workout_id, user_id, exercise_id, position, reps, "
                    "weight_kg, duration_s, distance_m, rpe, is_warmup) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        str(uuid.uuid4()),
                        workout_id,
                        user,
                        exercise_id,
                        position,
                        s.reps,
                        s.weight_kg,
                        s.duration_s,
                        s.distance_m,
                        s.rpe,
                        int(s.is_warmup),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise InvalidInput(
                    f"set {position} ({s.exercise}): {_explain(exc)}. Nothing was saved."
                ) from None

    @staticmethod
    def _plan_link(
        conn: sqlite3.Connection, user: str, link: PlanLink | None
    ) -> tuple[str | None, str | None]:
        """The plan id and the session's name as the plan spells it; `InvalidInput` when unknown."""
        if link is None:
            return None, None
        plan = conn.execute(
            "SELECT id, name FROM plans WHERE user_id = ? AND (id = ? OR name_key = ?)",
            (user, link.plan_id.strip(), name_key(link.plan_id)),
        ).fetchone()
        if plan is None:
            raise InvalidInput(f"no plan {link.plan_id!r}; list_plans shows yours. Nothing was saved.")
        names = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT session_name FROM plan_items WHERE plan_id = ? ORDER BY session_position",
                (plan["id"],),
            )
        ]
        for candidate in names:
            if session_key(candidate) == session_key(link.session):
                return str(plan["id"]), str(candidate)
        raise InvalidInput(
            f"plan {plan['name']!r} has no session {link.session!r}; its sessions are "
            f"{', '.join(names)}. Nothing was saved."
        )

    def _live_workout(self, conn: sqlite3.Connection, user: str, workout_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM workouts WHERE id = ? AND user_id = ? AND deleted_at IS NULL", (workout_id, user)
        ).fetchone()
        if row is None:
            raise NotFound(f"no workout with id {workout_id!r}")
        return row

    @staticmethod
    def _set_count(conn: sqlite3.Connection, workout_id: str) -> int:
        count: int = conn.execute(
            "SELECT count(*) FROM workout_sets WHERE workout_id = ?", (workout_id,)
        ).fetchone()[0]
        return count

    def _position_or_404(self, conn: sqlite3.Connection, workout_id: str, position: int) -> int:
        count = self._set_count(conn, workout_id)
        if not 1 <= position <= count:
            raise NotFound(f"workout {workout_id!r} has no set {position}; its sets are 1 to {count}")
        return count

    async def add_sets(self, workout_id: str, sets: list[NewSet], *, link: PlanLink | None = None) -> Workout:
        """Append `sets` after the workout's last set, all of them or none."""
        user = self._user()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                self._live_workout(conn, user, workout_id)
                count = self._set_count(conn, workout_id)
                if count + len(sets) > MAX_SETS:
                    raise InvalidInput(
                        f"a workout holds at most {MAX_SETS} sets; this one has {count}. Nothing was saved."
                    )
                exercise_ids = self._resolve_sets(conn, user, sets, first=count + 1)
                if link is not None:
                    plan_id, session = self._plan_link(conn, user, link)
                    conn.execute(
                        "UPDATE workouts SET plan_id = ?, plan_session = ? WHERE id = ?",
                        (plan_id, session, workout_id),
                    )
                self._insert_sets(conn, user, workout_id, sets, exercise_ids, first=count + 1)
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    async def update_set(self, workout_id: str, position: int, changes: SetChanges) -> Workout:
        user = self._user()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                self._live_workout(conn, user, workout_id)
                self._position_or_404(conn, workout_id, position)
                columns = changes.columns()
                if "is_warmup" in columns:
                    columns["is_warmup"] = int(columns["is_warmup"])
                if changes.exercise is not None:
                    columns["exercise_id"] = self._resolve_or_404(conn, user, changes.exercise).id
                assignments = ", ".join(f"{name} = ?" for name in columns)
                try:
                    conn.execute(
                        f"UPDATE workout_sets SET {assignments} WHERE workout_id = ? AND position = ?",  # noqa: S608 - names from SetChanges
                        (*columns.values(), workout_id, position),
                    )
                except sqlite3.IntegrityError as exc:
                    raise InvalidInput(f"set {position}: {_explain(exc)}. Nothing was changed.") from None
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    async def delete_set(self, workout_id: str, position: int) -> Workout:
        user = self._user()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                self._live_workout(conn, user, workout_id)
                count = self._position_or_404(conn, workout_id, position)
                if count == 1:
                    raise InvalidInput(
                        "that is the workout's only set; delete_workout removes the whole workout"
                    )
                conn.execute(
                    "DELETE FROM workout_sets WHERE workout_id = ? AND position = ?", (workout_id, position)
                )
                # Two steps, because UNIQUE (workout_id, position) is checked row by row.
                conn.execute(
                    "UPDATE workout_sets SET position = position + ? WHERE workout_id = ? AND position > ?",
                    (_SHIFT, workout_id, position),
                )
                conn.execute(
                    "UPDATE workout_sets SET position = position - ? WHERE workout_id = ? AND position > ?",
                    (_SHIFT + 1, workout_id, _SHIFT),
                )
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    async def update_workout(self, workout_id: str, changes: WorkoutChanges) -> Workout:
        user = self._user()
        columns = {
            name: _ts(value) if isinstance(value, datetime) else value
            for name, value in changes.columns().items()
        }
        assignments = ", ".join(f"{name} = ?" for name in columns)

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                self._live_workout(conn, user, workout_id)
                try:
                    conn.execute(
                        f"UPDATE workouts SET {assignments} WHERE id = ?",  # noqa: S608 - names from WorkoutChanges
                        (*columns.values(), workout_id),
                    )
                except sqlite3.IntegrityError as exc:
                    raise InvalidInput(f"workout: {_explain(exc)}. Nothing was changed.") from None
                return self._load_workout(conn, user, workout_id)

        return await self._run(work)

    def _purge(self, conn: sqlite3.Connection, now: datetime) -> None:
        conn.execute(
            "DELETE FROM workouts WHERE deleted_at IS NOT NULL AND deleted_at < ?",
            (_ts(now - timedelta(days=RESTORE_DAYS)),),
        )

    async def add_exercise(self, exercise: NewExercise) -> Exercise:
        """Add one of the caller's own exercises; `Conflict` if the caller or the catalogue has the name."""
        user = self._user()
        key = name_key(exercise.name)

        def work(conn: sqlite3.Connection) -> Exercise:
            with _transaction(conn, write=True):
                clash = conn.execute(
                    "SELECT name, owner_id FROM exercises "
                    "WHERE name_key = ? AND (owner_id = ? OR owner_id IS NULL) LIMIT 1",
                    (key, user),
                ).fetchone()
                if clash is not None:
                    where = "the catalogue" if clash["owner_id"] is None else "your exercises"
                    raise Conflict(f"{clash['name']!r} already exists in {where}; log sets against it")
                exercise_id = str(uuid.uuid4())
                conn.execute(
                    "INSERT INTO exercises (id, owner_id, name, name_key, muscle_groups, equipment, kind) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        exercise_id,
                        user,
                        exercise.name,
                        key,
                        json.dumps(exercise.muscle_groups),
                        exercise.equipment,
                        exercise.kind,
                    ),
                )
                row = conn.execute("SELECT * FROM exercises WHERE id = ?", (exercise_id,)).fetchone()
            return _exercise(row)

        return await self._run(work)

    async def delete_workout(self, workout_id: str) -> WorkoutDeletion:
        """Mark the workout deleted; a second call answers when that happened. Purges past the window."""
        user = self._user()
        now = self._clock()

        def work(conn: sqlite3.Connection) -> WorkoutDeletion:
            with _transaction(conn, write=True):
                # The purge commits even when the answer is NotFound, hence no raise inside.
                self._purge(conn, now)
                row = conn.execute(
                    "SELECT deleted_at FROM workouts WHERE id = ? AND user_id = ?", (workout_id, user)
                ).fetchone()
                already = row is not None and row["deleted_at"] is not None
                if row is not None and not already:
                    # The key is freed so a new workout may use it; the deleted one keeps its sets.
                    conn.execute(
                        "UPDATE workouts SET deleted_at = ?, idempotency_key = NULL WHERE id = ?",
                        (_ts(now), workout_id),
                    )
            if row is None:
                raise NotFound(f"no workout with id {workout_id!r}")
            deleted_at = datetime.fromisoformat(row["deleted_at"]) if already else now.astimezone(UTC)
            return WorkoutDeletion(
                workout_id=workout_id,
                deleted_at=deleted_at,
                restorable_until=deleted_at + timedelta(days=RESTORE_DAYS),
                already_deleted=already,
            )

        return await self._run(work)

    async def restore_workout(self, workout_id: str) -> Workout:
        user = self._user()
        now = self._clock()

        def work(conn: sqlite3.Connection) -> Workout:
            with _transaction(conn, write=True):
                self._purge(conn, now)
                restored = conn.execute(
                    "UPDATE workouts SET deleted_at = NULL WHERE id = ? AND user_id = ?", (workout_id, user)
                ).rowcount
                workout = self._load_workout(conn, user, workout_id) if restored else None
            if workout is None:
                raise NotFound(
                    f"no workout with id {workout_id!r} to restore (deleted workouts can be restored "
                    f"for {RESTORE_DAYS} days)"
                )
            return workout

        return await self._run(work)

    async def records_board(self, *, limit: int, offset: int) -> Page[BoardRow]:
        check_page(limit, offset)
        user = self._user()

        def work(conn: sqlite3.Connection) -> Page[BoardRow]:
            with _transaction(conn, write=False):
                total = conn.execute(
                    "SELECT count(DISTINCT s.exercise_id) FROM workout_sets s "
                    "JOIN workouts w ON w.id = s.workout_id WHERE w.user_id = ? AND w.deleted_at IS NULL",
                    (user,),
                ).fetchone()[0]
                rows = conn.execute(_BOARD_SQL, (user, limit, offset)).fetchall()
            items = [
                BoardRow(
                    **{k: r[k] for k in r.keys() if k != "record_at"},  # noqa: SIM118 - sqlite3.Row
                )
                for r in rows
            ]
            return Page(items=items, total=total, offset=offset)

        return await self._run(work)

    # --- plans -----------------------------------------------------------------------------------

    def _load_plans(
        self, conn: sqlite3.Connection, user: str, plans: Sequence[sqlite3.Row]
    ) -> list[StoredPlan]:
        ids = [p["id"] for p in plans]
        marks = ",".join("?" * len(ids))
        items = conn.execute(
            "SELECT i.*, e.name AS exercise_name FROM plan_items i JOIN exercises e ON e.id = i.exercise_id "  # noqa: S608
            f"WHERE i.plan_id IN ({marks}) ORDER BY i.plan_id, i.position",
            ids,
        ).fetchall()
        logged = conn.execute(
            "SELECT plan_id, plan_session, count(*) AS n, max(started_at) AS last FROM workouts "  # noqa: S608
            f"WHERE user_id = ? AND deleted_at IS NULL AND plan_id IN ({marks}) "
            "GROUP BY plan_id, plan_session",
            (user, *ids),
        ).fetchall()
        stats: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        for r in logged:
            key = (r["plan_id"], session_key(r["plan_session"] or ""))
            n, last = stats.get(key, (0, None))
            moment = datetime.fromisoformat(r["last"])
            stats[key] = (n + r["n"], moment if last is None else max(last, moment))
        sessions: dict[str, dict[str, PlanSession]] = {i: {} for i in ids}
        for item in items:
            by_name = sessions[item["plan_id"]]
            session = by_name.get(item["session_name"])
            if session is None:
                n, last = stats.get((item["plan_id"], session_key(item["session_name"])), (0, None))
                session = PlanSession(
                    name=item["session_name"], exercises=[], times_logged=n, last_logged_at=last
                )
                by_name[item["session_name"]] = session
            session.exercises.append(
                PlanExercise(
                    exercise_id=item["exercise_id"],
                    exercise_name=item["exercise_name"],
                    target_sets=item["target_sets"],
                    target_reps=item["target_reps"],
                    target_weight_kg=item["target_weight_kg"],
                    target_rpe=item["target_rpe"],
                    notes=item["notes"],
                )
            )
        return [
            StoredPlan(
                id=p["id"],
                name=p["name"],
                notes=p["notes"],
                updated_at=datetime.fromisoformat(p["updated_at"]),
                sessions=list(sessions[p["id"]].values()),
            )
            for p in plans
        ]

    @staticmethod
    def _plan_row(conn: sqlite3.Connection, user: str, ref: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM plans WHERE user_id = ? AND (id = ? OR name_key = ?) ORDER BY id = ? DESC LIMIT 1",
            (user, ref.strip(), name_key(ref), ref.strip()),
        ).fetchone()
        if row is None:
            raise NotFound(f"no plan {ref!r}; list_plans shows yours")
        return row

    async def save_plan(self, plan: NewPlan) -> StoredPlan:
        user = self._user()
        now = _ts(self._clock())
        key = name_key(plan.name)

        def work(conn: sqlite3.Connection) -> StoredPlan:
            with _transaction(conn, write=True):
                resolved: list[list[str]] = []
                unknown: list[str] = []
                for session in plan.sessions:
                    ids: list[str] = []
                    for n, target in enumerate(session.exercises, start=1):
                        row = self._resolve(conn, user, target.exercise)
                        if row is None:
                            unknown.append(
                                f"session {session.name!r} exercise {n}: unknown exercise {target.exercise!r}"
                            )
                        else:
                            ids.append(row["id"])
                    resolved.append(ids)
                if unknown:
                    raise InvalidInput(
                        "; ".join(unknown) + ". Use search_exercises for the exact name, or add_exercise to "
                        "create it. Nothing was saved."
                    )
                existing = conn.execute(
                    "SELECT id FROM plans WHERE user_id = ? AND name_key = ?", (user, key)
                ).fetchone()
                if existing is None:
                    plan_id = str(uuid.uuid4())
                    conn.execute(
                        "INSERT INTO plans (id, user_id, name, name_key, notes, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (plan_id, user, plan.name, key, plan.notes, now, now),
                    )
                else:
                    plan_id = existing["id"]
                    conn.execute(
                        "UPDATE plans SET name = ?, notes = ?, updated_at = ? WHERE id = ?",
                        (plan.name, plan.notes, now, plan_id),
                    )
                    conn.execute("DELETE FROM plan_items WHERE plan_id = ?", (plan_id,))
                position = 0
                for session_position, (session, ids) in enumerate(
                    zip(plan.sessions, resolved, strict=True), 1
                ):
                    for target, exercise_id in zip(session.exercises, ids, strict=True):
                        position += 1
                        conn.execute(
                            "INSERT INTO plan_items (id, plan_id, user_id, session_position, session_name, "
                            "position, exercise_id, target_sets, target_reps, target_weight_kg, target_rpe, "
                            "notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                str(uuid.uuid4()),
                                plan_id,
                                user,
                                session_position,
                                session.name,
                                position,
                                exercise_id,
                                target.sets,
                                target.reps,
                                target.weight_kg,
                                target.rpe,
                                target.notes,
                            ),
                        )
                row = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
                return self._load_plans(conn, user, [row])[0]

        return await self._run(work)

    async def list_plans(self, *, limit: int, offset: int) -> Page[StoredPlan]:
        check_page(limit, offset)
        user = self._user()

        def work(conn: sqlite3.Connection) -> Page[StoredPlan]:
            with _transaction(conn, write=False):
                total = conn.execute("SELECT count(*) FROM plans WHERE user_id = ?", (user,)).fetchone()[0]
                rows = conn.execute(
                    "SELECT * FROM plans WHERE user_id = ? "
                    "ORDER BY updated_at DESC, name_key, id LIMIT ? OFFSET ?",
                    (user, limit, offset),
                ).fetchall()
                return Page(items=self._load_plans(conn, user, rows), total=total, offset=offset)

        return await self._run(work)

    async def get_plan(self, plan: str) -> StoredPlan:
        user = self._user()

        def work(conn: sqlite3.Connection) -> StoredPlan:
            with _transaction(conn, write=False):
                return self._load_plans(conn, user, [self._plan_row(conn, user, plan)])[0]

        return await self._run(work)

    async def delete_plan(self, plan: str) -> StoredPlan:
        user = self._user()

        def work(conn: sqlite3.Connection) -> StoredPlan:
            with _transaction(conn, write=True):
                row = self._plan_row(conn, user, plan)
                gone = self._load_plans(conn, user, [row])[0]
                conn.execute("DELETE FROM plans WHERE id = ?", (row["id"],))
                return gone

        return await self._run(work)

    # --- body weight -----------------------------------------------------------------------------

    async def log_body_weight(self, entry: NewBodyWeight) -> BodyWeight:
        user = self._user()
        now = _ts(self._clock())

        def work(conn: sqlite3.Connection) -> BodyWeight:
            with _transaction(conn, write=True):
                try:
                    conn.execute(
                        "INSERT INTO body_weights (id, user_id, weight_kg, measured_at, note, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, measured_at) "
                        "DO UPDATE SET weight_kg = excluded.weight_kg, note = excluded.note",
                        (str(uuid.uuid4()), user, entry.weight_kg, _ts(entry.measured_at), entry.note, now),
                    )
                except sqlite3.IntegrityError as exc:
                    raise InvalidInput(f"{_explain(exc)}. Nothing was saved.") from None
                row = conn.execute(
                    "SELECT * FROM body_weights WHERE user_id = ? AND measured_at = ?",
                    (user, _ts(entry.measured_at)),
                ).fetchone()
            return _body_weight(row)

        return await self._run(work)

    async def body_weights_between(self, since: datetime, until: datetime) -> list[BodyWeight]:
        user = self._user()

        def work(conn: sqlite3.Connection) -> list[BodyWeight]:
            rows = conn.execute(
                "SELECT * FROM body_weights WHERE user_id = ? AND measured_at >= ? AND measured_at < ? "
                "ORDER BY measured_at",
                (user, _ts(since), _ts(until)),
            ).fetchall()
            return [_body_weight(r) for r in rows]

        return await self._run(work)

    async def aclose(self) -> None:
        def work() -> None:
            with self._lock:
                self._closed = True
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await anyio.to_thread.run_sync(work)
