"""Cell values as the apps write them: numbers with either decimal mark, durations, local times."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, tzinfo

from workout_mcp.transfer.csvrows import Row
from workout_mcp.transfer.problems import ImportProblem

KG_PER_LB = 0.45359237
METRES = {
    "m": 1.0,
    "km": 1000.0,
    "mi": 1609.344,
    "miles": 1609.344,
    "mile": 1609.344,
    "ft": 0.3048,
    "yd": 0.9144,
}
WEIGHT_UNITS = {"kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb"}
_DURATION = re.compile(
    r"^(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*m(?:in)?)?\s*(?:(\d{1,5})\s*s)?$", re.IGNORECASE
)
# Strong writes "2023-01-15 17:30:00" and, in newer exports, "2024-05-03 5:30:12 PM" (often with a
# narrow no-break space before the AM/PM); Hevy writes "15 Jan 2023, 17:30".
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%d %b %Y, %H:%M",
    "%d %b %Y, %H:%M:%S",
    "%d %B %Y, %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)


def number(row: Row, column: str, *, lo: float = 0.0, hi: float) -> float | None:
    """A non-negative number, or None for an empty cell; a comma decimal mark is accepted."""
    text = row.get(column)
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ImportProblem(f"{text[:20]!r} is not a number", line=row.line, column=column) from None
    if not math.isfinite(value) or value < lo or value > hi:
        raise ImportProblem(f"{text[:20]} is outside {lo:g} to {hi:g}", line=row.line, column=column)
    return value


def whole(row: Row, column: str, *, hi: int) -> int | None:
    value = number(row, column, hi=hi)
    if value is None:
        return None
    if value != int(value):
        raise ImportProblem(f"{row.get(column)[:20]} is not a whole number", line=row.line, column=column)
    return int(value)


def duration_seconds(row: Row, column: str) -> int | None:
    """`1h 5m`, `45m`, `30s`, `1h 5m 3s` (Strong), or plain seconds; empty or zero is None."""
    text = row.get(column)
    if not text:
        return None
    if text.isdigit():
        seconds = int(text)
    else:
        m = _DURATION.match(text)
        if m is None or not any(m.groups()):
            raise ImportProblem(f"{text[:20]!r} is not a duration like '1h 5m'", line=row.line, column=column)
        h, mins, s = (int(g) if g else 0 for g in m.groups())
        seconds = h * 3600 + mins * 60 + s
    if seconds > 7 * 86_400:
        raise ImportProblem(f"{text[:20]!r} is longer than a week", line=row.line, column=column)
    return seconds or None


def local_time(row: Row, column: str, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone` (the apps export local times without an offset)."""
    text = " ".join(row.get(column).replace("\u202f", " ").replace("\u00a0", " ").split())
    if not text:
        raise ImportProblem("the date is missing", line=row.line, column=column)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ImportProblem(
            f"{text[:30]!r} is not a date like 2023-01-15 17:30:00 or 15 Jan 2023, 17:30",
            line=row.line,
            column=column,
        )
    if parsed.year < 1970 or parsed.year > 2100:
        raise ImportProblem(f"{text[:30]!r} is not a plausible date", line=row.line, column=column)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def ends_at(start: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else start + timedelta(seconds=seconds)


def weight_unit(row: Row, column: str) -> str:
    text = row.get(column).lower()
    unit = WEIGHT_UNITS.get(text)
    if unit is None:
        raise ImportProblem(f"{text[:10]!r} is not a weight unit (kg or lbs)", line=row.line, column=column)
    return unit


def distance_factor(row: Row, column: str) -> tuple[str, float]:
    text = row.get(column).lower() or "km"
    factor = METRES.get(text)
    if factor is None:
        raise ImportProblem(
            f"{text[:10]!r} is not a distance unit (km, mi or m)", line=row.line, column=column
        )
    return text, factor
