"""Training analytics over logged sets: estimated 1RM, volume, personal records, summaries and streaks.

Inputs are kilograms and UTC times (see `models`); results are in the caller's `unit`, rounded to 0.1.
Nothing here reads the clock: whoever needs "today" passes it in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

from pydantic import Field

from workout_mcp.domain.base import Model
from workout_mcp.domain.models import Exercise, SetRecord, Unit
from workout_mcp.domain.units import display_weight

E1RM_MAX_REPS = 12
REP_RECORDS_LIMIT = 12

Period = Literal["week", "month"]

_UNIT_DESCRIPTION = "unit of every weight and volume in this result: kg or lb"


class LoggedSet(Protocol):
    """What volume needs from a set; both `SetRecord` and `WorkoutSet` fit."""

    @property
    def reps(self) -> int | None: ...

    @property
    def weight_kg(self) -> float | None: ...

    @property
    def is_warmup(self) -> bool: ...


# --- single sets ---------------------------------------------------------------------------------


def estimated_1rm(weight_kg: float, reps: int) -> float | None:
    """Epley's estimated one-rep max, `weight * (1 + reps / 30)`, in the unit of `weight_kg`.

    Exactly `weight` at 1 rep. `None` for 0 reps and above 12 reps, where the estimate is too loose to
    compare sets by.
    """
    if reps < 1 or reps > E1RM_MAX_REPS:
        return None
    if reps == 1:
        return weight_kg
    return weight_kg * (1 + reps / 30)


def set_volume_kg(s: LoggedSet) -> float:
    """reps x weight of a working set; 0 for a warm-up or a set without reps or weight."""
    if s.is_warmup or s.reps is None or s.weight_kg is None:
        return 0.0
    return s.reps * s.weight_kg


def volume_kg(sets: Iterable[LoggedSet]) -> float:
    """Sum of reps x weight over working (non-warm-up) sets, kg, unrounded."""
    # fsum rounds the exact sum once, so the total does not depend on the order of the sets.
    return math.fsum(set_volume_kg(s) for s in sets)


def volume(sets: Iterable[LoggedSet], unit: Unit = "kg") -> float:
    """Sum of reps x weight over working (non-warm-up) sets, in `unit`, rounded to 0.1."""
    return display_weight(volume_kg(sets), unit)


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a moment; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(UTC).date()


# --- personal records ----------------------------------------------------------------------------


class RecordSet(Model):
    """The set that holds a record."""

    weight: float | None = Field(description="weight of the set in the result's unit; null for bodyweight")
    reps: int | None = Field(description="repetitions in the set")
    performed_at: datetime = Field(description="start of the workout the set belongs to, UTC")
    workout_id: str = Field(description="the workout that holds the set")


class EstimatedMaxRecord(RecordSet):
    estimated_1rm: float = Field(
        description="Epley estimate weight x (1 + reps / 30) from this set (sets of 1-12 reps), result's unit"
    )


class RepRecord(Model):
    weight: float = Field(description="weight in the result's unit")
    reps: int = Field(description="most repetitions ever done in one working set at this weight")
    performed_at: datetime = Field(description="when that many reps were first done at this weight, UTC")
    workout_id: str


class PersonalRecords(Model):
    """An exercise's records over every working set ever logged; warm-up sets never count."""

    exercise_id: str
    exercise_name: str
    unit: Unit = Field(description=_UNIT_DESCRIPTION)
    heaviest_set: RecordSet | None = Field(
        description="heaviest working set with at least one rep (ties: more reps, then earlier)"
    )
    best_estimated_1rm: EstimatedMaxRecord | None = Field(
        description="working set with the highest Epley estimated one-rep max (sets of 1-12 reps)"
    )
    most_reps: RecordSet | None = Field(description="working set with the most repetitions, at any weight")
    longest_duration_s: int | None = Field(description="longest working set by duration, seconds")
    longest_distance_m: float | None = Field(description="longest working set by distance, metres")
    rep_records: list[RepRecord] = Field(
        description="most reps at each weight, heaviest weight first, at most the heaviest few weights"
    )
    rep_record_weights: int = Field(description="how many distinct weights have a rep record in all")
    working_sets: int = Field(description="number of working (non-warm-up) sets logged")
    warmup_sets: int = Field(description="number of warm-up sets logged")
    sessions: int = Field(description="number of distinct workouts with this exercise")
    first_performed_at: datetime | None = Field(description="first workout with this exercise, UTC")
    last_performed_at: datetime | None = Field(description="latest workout with this exercise, UTC")


def record_set(s: SetRecord, unit: Unit) -> RecordSet:
    weight = None if s.weight_kg is None else display_weight(s.weight_kg, unit)
    return RecordSet(weight=weight, reps=s.reps, performed_at=s.performed_at, workout_id=s.workout_id)


def personal_records(
    exercise: Exercise,
    sets: Iterable[SetRecord],
    *,
    unit: Unit = "kg",
    max_rep_records: int = REP_RECORDS_LIMIT,
) -> PersonalRecords:
    """Records for `exercise` from its sets; sets of other exercises are ignored."""
    mine = [s for s in sets if s.exercise_id == exercise.id]
    working = [s for s in mine if not s.is_warmup]
    # Earliest first, so that `max` (which keeps the first of equals) credits whoever got there first.
    working.sort(key=lambda s: s.performed_at)

    loaded = [s for s in working if s.weight_kg is not None and s.reps is not None and s.reps >= 1]
    heaviest = max(loaded, key=lambda s: (s.weight_kg or 0.0, s.reps or 0), default=None)

    best_e1rm: EstimatedMaxRecord | None = None
    best_value = -math.inf
    for s in loaded:
        assert s.weight_kg is not None
        assert s.reps is not None
        e1rm = estimated_1rm(s.weight_kg, s.reps)
        if e1rm is not None and e1rm > best_value:
            best_value = e1rm
            best_e1rm = EstimatedMaxRecord(
                **record_set(s, unit).model_dump(), estimated_1rm=display_weight(e1rm, unit)
            )

    with_reps = [s for s in working if s.reps is not None and s.reps >= 1]
    most_reps = max(with_reps, key=lambda s: (s.reps or 0, s.weight_kg or 0.0), default=None)

    # Keyed by the weight as displayed, so two weights a person cannot tell apart share one row.
    by_weight: dict[float, SetRecord] = {}
    for s in loaded:
        assert s.weight_kg is not None
        assert s.reps is not None
        key = display_weight(s.weight_kg, unit)
        held = by_weight.get(key)
        if held is None or s.reps > (held.reps or 0):
            by_weight[key] = s
    rep_records = [
        RepRecord(weight=w, reps=s.reps or 0, performed_at=s.performed_at, workout_id=s.workout_id)
        for w, s in sorted(by_weight.items(), key=lambda item: item[0], reverse=True)[:max_rep_records]
    ]

    durations = [s.duration_s for s in working if s.duration_s is not None]
    distances = [s.distance_m for s in working if s.distance_m is not None]
    times = [s.performed_at for s in mine]
    return PersonalRecords(
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        unit=unit,
        heaviest_set=None if heaviest is None else record_set(heaviest, unit),
        best_estimated_1rm=best_e1rm,
        most_reps=None if most_reps is None else record_set(most_reps, unit),
        longest_duration_s=max(durations, default=None),
        longest_distance_m=max(distances, default=None),
        rep_records=rep_records,
        rep_record_weights=len(by_weight),
        working_sets=len(working),
        warmup_sets=len(mine) - len(working),
        sessions=len({s.workout_id for s in mine}),
        first_performed_at=min(times, default=None),
        last_performed_at=max(times, default=None),
    )


# --- streaks -------------------------------------------------------------------------------------


class Streaks(Model):
    """Runs of training relative to `today` (UTC days; ISO weeks start on Monday)."""

    current_days: int = Field(
        description="consecutive days with a session ending today, or yesterday if today has none yet"
    )
    longest_days: int = Field(description="longest run of consecutive days with a session")
    current_weeks: int = Field(
        description="consecutive ISO weeks with a session ending this week, or last week if none yet"
    )
    longest_weeks: int = Field(description="longest run of consecutive ISO weeks with a session")
    last_session_on: date | None = Field(description="UTC day of the latest session")


def _runs(points: list[date], step: timedelta) -> tuple[int, date | None]:
    """Longest run of points `step` apart, and where the last run ends (points sorted, distinct)."""
    longest = run = 0
    previous: date | None = None
    for point in points:
        run = run + 1 if previous is not None and point - previous == step else 1
        longest = max(longest, run)
        previous = point
    return longest, previous


def _current_run(points: list[date], step: timedelta, now: date) -> int:
    """Length of the run ending at `now` or one step before it (points sorted, distinct)."""
    past = [p for p in points if p <= now]
    if not past or now - past[-1] > step:
        return 0
    run = 1
    for later, earlier in zip(reversed(past), reversed(past[:-1]), strict=False):
        if later - earlier != step:
            break
        run += 1
    return run


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def training_streaks(session_days: Iterable[date], *, today: date) -> Streaks:
    """Day and ISO-week streaks from the UTC days on which a session started."""
    days = sorted(set(session_days))
    weeks = sorted({_monday(d) for d in days})
    one_day, one_week = timedelta(days=1), timedelta(weeks=1)
    longest_days, last = _runs(days, one_day)
    longest_weeks, _ = _runs(weeks, one_week)
    return Streaks(
        current_days=_current_run(days, one_day, today),
        longest_days=longest_days,
        current_weeks=_current_run(weeks, one_week, _monday(today)),
        longest_weeks=longest_weeks,
        last_session_on=last,
    )


# --- summaries -----------------------------------------------------------------------------------


class PeriodSummary(Model):
    label: str = Field(description="ISO week such as 2026-W07, or month such as 2026-02")
    start: date = Field(description="first day of the period")
    end: date = Field(description="last day of the period (inclusive)")
    sessions: int = Field(description="distinct workouts that started in the period")
    sets: int = Field(description="all sets, warm-ups included")
    working_sets: int = Field(description="sets that are not warm-ups")
    volume: float = Field(description="sum of reps x weight over working sets, in the result's unit")
    volume_by_muscle_group: dict[str, float] = Field(
        description="volume per muscle group; a set counts in full for every group its exercise trains, "
        "so these add up to more than `volume` for compound lifts"
    )


class TrainingSummary(Model):
    """Training per week or month, totals, and streaks."""

    by: Period = Field(description="week (ISO, Monday start, UTC) or month (UTC)")
    unit: Unit = Field(description=_UNIT_DESCRIPTION)
    periods: list[PeriodSummary] = Field(
        description="every period of the range, oldest first, empty ones too"
    )
    sessions: int = Field(description="distinct workouts in all periods")
    sets: int
    working_sets: int
    volume: float = Field(description="sum of reps x weight over working sets, in the result's unit")
    volume_by_muscle_group: dict[str, float] = Field(
        description="volume per muscle group over all periods; a set counts for every group it trains"
    )
    streaks: Streaks


def period_start(day: date, by: Period) -> date:
    return _monday(day) if by == "week" else day.replace(day=1)


def next_period(start: date, by: Period) -> date:
    if by == "week":
        return start + timedelta(weeks=1)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def window_start(today: date, by: Period, periods: int) -> date:
    """First day of the `periods` most recent weeks (ISO, Monday) or months that end with `today`'s."""
    if by == "week":
        return period_start(today, by) - timedelta(weeks=periods - 1)
    month = today.year * 12 + today.month - 1 - (periods - 1)
    return date(month // 12, month % 12 + 1, 1)


def period_label(start: date, by: Period) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"


@dataclass
class _Tally:
    workouts: set[str] = field(default_factory=set)
    sets: int = 0
    working_sets: int = 0
    volumes: list[float] = field(default_factory=list)
    by_group: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, s: SetRecord) -> None:
        self.workouts.add(s.workout_id)
        self.sets += 1
        if s.is_warmup:
            return
        self.working_sets += 1
        v = set_volume_kg(s)
        self.volumes.append(v)
        if v > 0:
            for group in dict.fromkeys(s.muscle_groups):
                self.by_group[group].append(v)


def _groups(by_group: dict[str, list[float]], unit: Unit) -> dict[str, float]:
    totals = {g: display_weight(math.fsum(vs), unit) for g, vs in by_group.items()}
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def training_summary(
    sets: Iterable[SetRecord],
    *,
    by: Period,
    today: date,
    unit: Unit = "kg",
    start: date | None = None,
    end: date | None = None,
) -> TrainingSummary:
    """Sessions, sets and volume per `by` period from `start` to `end` (defaults: first to last set).

    A set's volume is credited in full to each muscle group of its exercise. Streaks are measured over
    the given sets only, relative to `today`.
    """
    records = list(sets)
    per_period: dict[date, _Tally] = defaultdict(_Tally)
    total = _Tally()
    days: set[date] = set()
    for s in records:
        day = utc_day(s.performed_at)
        days.add(day)
        per_period[period_start(day, by)].add(s)
        total.add(s)

    bounds = [*days, *(d for d in (start, end) if d is not None)]
    periods: list[PeriodSummary] = []
    if bounds:
        cursor, last = period_start(min(bounds), by), period_start(max(bounds), by)
        while cursor <= last:
            following = next_period(cursor, by)
            tally = per_period.get(cursor) or _Tally()
            periods.append(
                PeriodSummary(
                    label=period_label(cursor, by),
                    start=cursor,
                    end=following - timedelta(days=1),
                    sessions=len(tally.workouts),
                    sets=tally.sets,
                    working_sets=tally.working_sets,
                    volume=display_weight(math.fsum(tally.volumes), unit),
                    volume_by_muscle_group=_groups(tally.by_group, unit),
                )
            )
            cursor = following

    return TrainingSummary(
        by=by,
        unit=unit,
        periods=periods,
        sessions=len(total.workouts),
        sets=total.sets,
        working_sets=total.working_sets,
        volume=display_weight(math.fsum(total.volumes), unit),
        volume_by_muscle_group=_groups(total.by_group, unit),
        streaks=training_streaks(days, today=today),
    )
