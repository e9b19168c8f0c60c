"""Hevy's CSV export: one row per set.

Columns: `title, start_time, end_time, description, exercise_title, superset_id, exercise_notes,
set_index, set_type, weight_kg | weight_lbs, reps, distance_km | distance_miles, duration_seconds,
rpe`. The unit is in the column name (the person's app setting at export time). Times look like
`15 Jan 2023, 17:30`, local and without an offset, read in `zone`. `set_type` is `normal`, `warmup`,
`failure` or `dropset`; `set_index` counts from 0 within an exercise.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo

from workout_mcp.transfer.building import Builder, ParsedFile, RawSet
from workout_mcp.transfer.csvrows import Row
from workout_mcp.transfer.problems import ImportProblem
from workout_mcp.transfer.values import KG_PER_LB, METRES, local_time, number, whole

REQUIRED = ("title", "start_time", "exercise_title", "set_type")
SET_TYPES = frozenset({"normal", "warmup", "failure", "dropset"})


def is_hevy(header: Iterable[str]) -> bool:
    return set(REQUIRED) <= set(header)


def parse(rows: Iterable[Row], header: list[str], zone: tzinfo) -> ParsedFile:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportProblem(f"not a Hevy export: no {', '.join(missing)} column", line=1)
    weight_col = "weight_lbs" if "weight_lbs" in header else "weight_kg"
    distance_col = "distance_miles" if "distance_miles" in header else "distance_km"
    to_kg = KG_PER_LB if weight_col == "weight_lbs" else 1.0
    to_m = METRES["mi"] if distance_col == "distance_miles" else METRES["km"]
    builder = Builder("hevy", f"hevy ({weight_col}, {distance_col})")
    builder.units.update(
        {
            f"weight: {'lb' if to_kg != 1.0 else 'kg'}",
            f"distance: {'mi' if distance_col.endswith('miles') else 'km'}",
        }
    )
    for row in rows:
        start = local_time(row, "start_time", zone)
        workout = builder.workout(row.line, row.get("title") or None, start)
        ended = local_time(row, "end_time", zone) if row.get("end_time") else None
        if workout.ended_at is None:
            workout.ended_at = ended
        builder.note(workout, row.get("description"))
        kind = row.get("set_type").lower() or "normal"
        if kind not in SET_TYPES:
            raise ImportProblem(
                f"{kind[:12]!r} is not a set type (normal, warmup, failure or dropset)",
                line=row.line,
                column="set_type",
            )
        weight = number(row, weight_col, hi=1500 / to_kg)
        dist = number(row, distance_col, hi=1_000_000 / to_m)
        rpe = number(row, "rpe", hi=10)
        raw = RawSet(
            line=row.line,
            exercise=row.get("exercise_title"),
            reps=whole(row, "reps", hi=1000),
            weight_kg=weight * to_kg if weight else None,
            duration_s=whole(row, "duration_seconds", hi=86_400) or None,
            distance_m=dist * to_m if dist else None,
            rpe=rpe if rpe and rpe >= 1 else None,
            is_warmup=kind == "warmup",
        )
        if not raw.exercise:
            raise ImportProblem("the exercise name is empty", line=row.line, column="exercise_title")
        if raw.reps == 0 and (raw.duration_s or raw.distance_m):
            raw.reps = None
        note = row.get("exercise_notes")
        if note:
            builder.note(workout, f"{raw.exercise}: {note}")
        builder.add_set(workout, raw, kind)
    return builder.finish()
