"""The CSV export: one row per set, Strong's columns with our units in the header.

`Date` (start, UTC ISO 8601), `Workout Name`, `Duration` (`1h 5m`), `Exercise Name`, `Set Order`
(1, 2, ... counting working sets per exercise, `W` for a warm-up), `Weight (kg)`, `Reps`,
`Distance (m)`, `Seconds`, `Notes` (empty: we keep no per-set notes), `Workout Notes`, `RPE` (the
set's). A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
a carriage return) is written with a leading `'`. `workout-mcp import` reads this file back.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime

from workout_mcp.domain.transfer import LogExport

COLUMNS = (
    "Date",
    "Workout Name",
    "Duration",
    "Exercise Name",
    "Set Order",
    "Weight (kg)",
    "Reps",
    "Distance (m)",
    "Seconds",
    "Notes",
    "Workout Notes",
    "RPE",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Spreadsheets run a cell starting with `=`, `+`, `-` or `@` as a formula: make it plain text."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _duration(start: datetime, end: datetime | None) -> str:
    if end is None:
        return ""
    minutes = int((end - start).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if hours else f"{rest}m"


def _num(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def dumps(log: LogExport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for w in sorted(log.workouts, key=lambda w: w.started_at):
        counts: Counter[str] = Counter()
        date = w.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for s in w.sets:
            if s.is_warmup:
                order = "W"
            else:
                counts[s.exercise] += 1
                order = str(counts[s.exercise])
            writer.writerow(
                [
                    date,
                    neutralise(w.title or ""),
                    _duration(w.started_at, w.ended_at),
                    neutralise(s.exercise),
                    order,
                    _num(s.weight_kg),
                    _num(s.reps),
                    _num(s.distance_m),
                    _num(s.duration_s),
                    "",
                    neutralise(w.notes or ""),
                    _num(s.rpe),
                ]
            )
    return out.getvalue()
