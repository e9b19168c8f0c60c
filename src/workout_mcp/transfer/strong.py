"""Strong's CSV export, both layouts in the wild, and our own CSV export (the same columns in kg/m).

- Comma layout (current app): `Date, Workout Name, Duration, Exercise Name, Set Order, Weight, Reps,
  Distance, Seconds, Notes, Workout Notes, RPE`. Weights and distances are in the unit the person set
  in the app, which the file does not say: `weight_unit` / `distance_unit` tell us (kg and km unless
  told otherwise; the report says which was assumed).
- Semicolon layout (older app): `Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;
  RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes[;Workout Duration]`, units on every row.

`Set Order` is the set's number, `W` for a warm-up, `D` for a drop set, `F` for a set to failure, or
`Rest Timer` on the rows newer exports add for each rest period (no set: skipped). `Duration` reads
like `1h 5m`. Times are local wall-clock times without an offset, read in `zone`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo

from workout_mcp.transfer.building import Builder, ParsedFile, RawSet
from workout_mcp.transfer.csvrows import Row
from workout_mcp.transfer.problems import ImportProblem
from workout_mcp.transfer.values import (
    KG_PER_LB,
    METRES,
    distance_factor,
    duration_seconds,
    ends_at,
    local_time,
    number,
    weight_unit,
    whole,
)

COMMA_COLUMNS = ("Date", "Workout Name", "Exercise Name", "Set Order", "Weight", "Reps")
SEMICOLON_COLUMNS = (*COMMA_COLUMNS, "Weight Unit", "Distance Unit")
OURS_COLUMNS = ("Date", "Workout Name", "Exercise Name", "Set Order", "Weight (kg)", "Reps", "Distance (m)")
_SET_TYPES = {"w": ("warmup", True), "d": ("dropset", False), "f": ("failure", False)}


def layout_of(header: Iterable[str]) -> str | None:
    names = set(header)
    if set(OURS_COLUMNS) <= names:
        return "workout-mcp csv"
    if set(SEMICOLON_COLUMNS) <= names:
        return "strong semicolon (units per row)"
    if set(COMMA_COLUMNS) <= names:
        return "strong comma"
    return None


def parse(rows: Iterable[Row], header: list[str], zone: tzinfo, *, weight: str, distance: str) -> ParsedFile:
    layout = layout_of(header)
    if layout is None:
        missing = [c for c in COMMA_COLUMNS if c not in header]
        raise ImportProblem(f"not a Strong export: no {', '.join(missing)} column", line=1)
    ours = layout.startswith("workout-mcp")
    per_row_units = "Weight Unit" in header and not ours
    builder = Builder("workout-mcp" if ours else "strong", layout)
    if ours:
        builder.units.update({"weight: kg", "distance: m"})
    elif not per_row_units:
        builder.units.update(
            {f"weight: {weight} (assumed; the file does not say)", f"distance: {distance} (assumed)"}
        )
    lb = KG_PER_LB if weight == "lb" else 1.0
    metres = METRES[distance]
    weight_col = "Weight (kg)" if ours else "Weight"
    distance_col = "Distance (m)" if ours else "Distance"
    duration_col = "Duration" if "Duration" in header else "Workout Duration"
    for row in rows:
        marker = row.get("Set Order")
        if marker.lower().replace(" ", "") == "resttimer":
            builder.skipped["rest-timer rows"] += 1
            continue
        start = local_time(row, "Date", zone)
        title = row.get("Workout Name") or None
        workout = builder.workout(row.line, title, start)
        ended = ends_at(start, duration_seconds(row, duration_col))
        if workout.ended_at is None:
            workout.ended_at = ended
        builder.note(workout, row.get("Workout Notes"))
        if per_row_units:
            unit = weight_unit(row, "Weight Unit") if row.get("Weight Unit") else "kg"
            builder.units.add(f"weight: {unit}")
            lb = KG_PER_LB if unit == "lb" else 1.0
            dist_name, metres = distance_factor(row, "Distance Unit")
            if row.get("Distance Unit"):
                builder.units.add(f"distance: {dist_name}")
        elif ours:
            lb, metres = 1.0, 1.0
        kind, warmup = _set_type(row, marker)
        kg = number(row, weight_col, hi=1500 / lb)
        reps = whole(row, "Reps", hi=1000)
        seconds = whole(row, "Seconds", hi=86_400) if "Seconds" in header else None
        dist = number(row, distance_col, hi=1_000_000 / metres) if distance_col in header else None
        rpe = number(row, "RPE", hi=10) if "RPE" in header else None
        raw = RawSet(
            line=row.line,
            exercise=row.get("Exercise Name"),
            weight_kg=kg * lb if kg else None,
            duration_s=seconds or None,
            distance_m=dist * metres if dist else None,
            rpe=rpe if rpe and rpe >= 1 else None,
            is_warmup=warmup,
        )
        raw.reps = reps if reps or (raw.duration_s is None and raw.distance_m is None) else None
        if not raw.exercise:
            raise ImportProblem("the exercise name is empty", line=row.line, column="Exercise Name")
        note = row.get("Notes")
        if note:
            builder.note(workout, f"{raw.exercise}: {note}")
        builder.add_set(workout, raw, kind)
    return builder.finish()


def _set_type(row: Row, marker: str) -> tuple[str, bool]:
    if marker.isdigit():
        return "normal", False
    found = _SET_TYPES.get(marker.lower())
    if found is None:
        raise ImportProblem(
            f"{marker[:12]!r} is not a set order (a number, W, D, F or Rest Timer)",
            line=row.line,
            column="Set Order",
        )
    return found
