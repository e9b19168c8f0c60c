"""What a store really holds, read behind its back: every row a user owns, on SQLite or PostgreSQL.

Tables are found from the schema (any table with a `user_id` or `owner_id` column), so tables that
later migrations add are covered without touching this file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

Snapshot = dict[str, list[tuple[str, ...]]]
OWNER_COLUMNS = ("user_id", "owner_id")


def _rows(rows: Sequence[Sequence[Any]]) -> list[tuple[str, ...]]:
    return sorted(tuple(repr(v) for v in row) for row in rows)


def local_snapshot(path: Path, users: Sequence[str]) -> Snapshot:
    """Non-empty tables only, so a file not created yet equals one that holds nothing."""
    if not path.exists():
        return {}
    marks = ",".join("?" * len(users))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found: Snapshot = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            owner = next((c for c in OWNER_COLUMNS if c in columns), None)
            if owner is None:
                continue
            query = f'SELECT * FROM "{table}" WHERE "{owner}" IN ({marks})'
            if rows := _rows(conn.execute(query, tuple(users)).fetchall()):
                found[table] = rows
    return found


def pg_snapshot(conn: psycopg.Connection[Any], users: Sequence[str]) -> Snapshot:
    """`conn` is an autocommit superuser connection (RLS does not hide rows from it)."""
    with conn.transaction():
        owned = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'public' and column_name = any(%s) "
            "and table_name in (select table_name from information_schema.tables "
            "where table_schema = 'public' and table_type = 'BASE TABLE')",
            (list(OWNER_COLUMNS),),
        ).fetchall()
        found: Snapshot = {}
        for table, column in sorted(set(owned)):
            query = sql.SQL("select * from public.{} where {}::text = any(%s)").format(
                sql.Identifier(table), sql.Identifier(column)
            )
            if rows := _rows(conn.execute(query, (list(users),)).fetchall()):
                found[table] = rows
    return found


def local_workout_shapes(path: Path) -> list[tuple[str, int, int, int]]:
    """(workout id, set count, lowest position, highest position) for every workout in the file."""
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(
            conn.execute(
                "SELECT w.id, count(s.id), ifnull(min(s.position), 0), ifnull(max(s.position), 0) "
                "FROM workouts w LEFT JOIN workout_sets s ON s.workout_id = w.id GROUP BY w.id"
            ).fetchall()
        )


def pg_workout_shapes(conn: psycopg.Connection[Any], users: Sequence[str]) -> list[tuple[str, int, int, int]]:
    with conn.transaction():
        rows = conn.execute(
            "select w.id::text, count(s.id)::int, coalesce(min(s.position), 0), coalesce(max(s.position), 0) "
            "from public.workouts w left join public.workout_sets s on s.workout_id = w.id "
            "where w.user_id::text = any(%s) group by w.id",
            (list(users),),
        ).fetchall()
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


def broken_workouts(shapes: Sequence[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
    """Workouts without sets or with gaps in their positions: what a half-done write leaves."""
    return [s for s in shapes if s[1] == 0 or s[2] != 1 or s[3] != s[1]]


SnapshotFn = Callable[[], Snapshot]
ShapesFn = Callable[[], list[tuple[str, int, int, int]]]
