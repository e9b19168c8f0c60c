from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workout_mcp.domain.analytics import (
    E1RM_MAX_REPS,
    PeriodSummary,
    TrainingSummary,
    estimated_1rm,
    personal_records,
    training_streaks,
    training_summary,
    utc_day,
    volume,
    volume_kg,
)
from workout_mcp.domain.models import Exercise, SetRecord
from workout_mcp.domain.units import display_weight

SQUAT = Exercise(id="ex-squat", name="Squat", muscle_groups=["quads", "glutes"])
BENCH = Exercise(id="ex-bench", name="Bench Press", muscle_groups=["chest", "triceps"])
PLANK = Exercise(id="ex-plank", name="Plank", muscle_groups=[])
EXERCISES = (SQUAT, BENCH, PLANK)
DAY0 = datetime(2026, 1, 1, tzinfo=UTC)

weights = st.integers(min_value=0, max_value=2400).map(lambda quarter: quarter * 0.25)
reps = st.integers(min_value=0, max_value=30)


def rec(
    exercise: Exercise,
    at: datetime,
    reps: int | None,
    weight: float | None,
    *,
    workout: str | None = None,
    warmup: bool = False,
    duration_s: int | None = None,
) -> SetRecord:
    return SetRecord(
        workout_id=workout or f"w-{at.isoformat()}",
        performed_at=at,
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        muscle_groups=exercise.muscle_groups,
        reps=reps,
        weight_kg=weight,
        duration_s=duration_s,
        is_warmup=warmup,
    )


@st.composite
def logs(draw: st.DrawFn, *, exercises: tuple[Exercise, ...] = EXERCISES) -> list[SetRecord]:
    """Workouts at random times, each with a few sets; every set of a workout shares its start."""
    sets: list[SetRecord] = []
    for n in range(draw(st.integers(min_value=0, max_value=6))):
        start = DAY0 + timedelta(days=draw(st.integers(0, 150)), minutes=draw(st.integers(0, 1439)))
        for _ in range(draw(st.integers(min_value=1, max_value=5))):
            sets.append(
                rec(
                    draw(st.sampled_from(exercises)),
                    start,
                    draw(st.none() | reps),
                    draw(st.none() | weights),
                    workout=f"w{n}",
                    warmup=draw(st.booleans()),
                )
            )
    return sets


# --- estimated 1RM -------------------------------------------------------------------------------


def test_e1rm_hand_checked_values() -> None:
    assert estimated_1rm(100, 1) == 100
    assert estimated_1rm(100, 5) == pytest.approx(116.6667, abs=1e-4)
    assert estimated_1rm(100, 12) == pytest.approx(140)
    assert estimated_1rm(100, 0) is None
    assert estimated_1rm(100, 13) is None


@given(weights, st.integers(min_value=1, max_value=E1RM_MAX_REPS))
def test_e1rm_is_at_least_the_weight_and_exactly_it_at_one_rep(weight: float, n: int) -> None:
    e1rm = estimated_1rm(weight, n)
    assert e1rm is not None
    assert e1rm >= weight
    assert estimated_1rm(weight, 1) == weight


@given(weights, weights, st.integers(min_value=1, max_value=E1RM_MAX_REPS))
def test_e1rm_is_monotone_in_weight(a: float, b: float, n: int) -> None:
    low, high = sorted((a, b))
    assert estimated_1rm(low, n) <= estimated_1rm(high, n)  # type: ignore[operator]


@given(weights, st.integers(1, E1RM_MAX_REPS), st.integers(1, E1RM_MAX_REPS))
def test_e1rm_is_monotone_in_reps(weight: float, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert estimated_1rm(weight, low) <= estimated_1rm(weight, high)  # type: ignore[operator]


@given(weights, st.integers(min_value=E1RM_MAX_REPS + 1, max_value=1000) | st.just(0))
def test_e1rm_is_undefined_outside_one_to_twelve_reps(weight: float, n: int) -> None:
    assert estimated_1rm(weight, n) is None


# --- volume ----------------------------------------------------------------------------------------


def test_volume_counts_working_sets_with_reps_and_weight_only() -> None:
    sets = [
        rec(SQUAT, DAY0, 5, 100),
        rec(SQUAT, DAY0, 5, 60, warmup=True),
        rec(SQUAT, DAY0, 3, 120),
        rec(PLANK, DAY0, None, None, duration_s=60),
        rec(BENCH, DAY0, 8, None),
    ]
    assert volume_kg(sets) == 860
    assert volume(sets, "lb") == 1896.0  # 860 / 0.45359237 = 1895.97...


@given(logs(), logs())
def test_volume_is_additive_over_concatenation(a: list[SetRecord], b: list[SetRecord]) -> None:
    assert math.isclose(volume_kg(a + b), volume_kg(a) + volume_kg(b), rel_tol=1e-12, abs_tol=1e-9)


@given(st.data(), logs())
def test_volume_does_not_depend_on_order(data: st.DataObject, sets: list[SetRecord]) -> None:
    shuffled = data.draw(st.permutations(sets))
    assert volume_kg(shuffled) == volume_kg(sets)


@given(logs())
def test_warmups_add_no_volume(sets: list[SetRecord]) -> None:
    as_warmups = [s.model_copy(update={"is_warmup": True}) for s in sets]
    assert volume_kg(as_warmups) == 0
    assert volume_kg(sets) >= 0


# --- personal records ------------------------------------------------------------------------------


def day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


def test_personal_records_hand_checked() -> None:
    sets = [
        rec(SQUAT, day(1), 5, 100),
        rec(SQUAT, day(2), 3, 110),
        rec(SQUAT, day(3), 3, 110),
        rec(SQUAT, day(4), 1, 120),
        rec(SQUAT, day(4), 1, 150, warmup=True),
        rec(SQUAT, day(5), 10, 90),
        rec(SQUAT, day(6), 0, 130),
        rec(BENCH, day(6), 1, 200),
    ]
    pr = personal_records(SQUAT, sets)
    assert pr.unit == "kg"
    assert pr.heaviest_set is not None
    assert (pr.heaviest_set.weight, pr.heaviest_set.reps) == (120, 1)
    best = pr.best_estimated_1rm
    assert best is not None
    # 110 x (1 + 3/30) = 121 beats 100x5 (116.7), 120x1 (120) and 90x10 (120); the earlier 110x3 wins.
    assert (best.estimated_1rm, best.weight, best.reps, best.performed_at) == (121.0, 110, 3, day(2))
    assert pr.most_reps is not None
    assert (pr.most_reps.weight, pr.most_reps.reps) == (90, 10)
    # The 0-rep attempt at 130 is a miss, not a record.
    assert [(r.weight, r.reps, r.performed_at) for r in pr.rep_records] == [
        (120, 1, day(4)),
        (110, 3, day(2)),
        (100, 5, day(1)),
        (90, 10, day(5)),
    ]
    assert (pr.working_sets, pr.warmup_sets, pr.sessions) == (6, 1, 6)
    assert (pr.first_performed_at, pr.last_performed_at) == (day(1), day(6))


def test_personal_records_in_pounds_state_the_unit() -> None:
    pr = personal_records(SQUAT, [rec(SQUAT, day(1), 5, 100)], unit="lb")
    assert pr.unit == "lb"
    assert pr.heaviest_set is not None
    assert pr.heaviest_set.weight == 220.5
    assert pr.best_estimated_1rm is not None
    assert pr.best_estimated_1rm.estimated_1rm == 257.2  # 116.67 kg


def test_no_working_sets_means_no_records() -> None:
    pr = personal_records(SQUAT, [rec(SQUAT, day(1), 5, 100, warmup=True)])
    assert pr.heaviest_set is None
    assert pr.best_estimated_1rm is None
    assert pr.rep_records == []
    assert (pr.working_sets, pr.warmup_sets, pr.sessions) == (0, 1, 1)


def test_rep_records_are_bounded_and_heaviest_first() -> None:
    sets = [rec(SQUAT, day(n), 5, 60 + 2.5 * n) for n in range(30)]
    pr = personal_records(SQUAT, sets, max_rep_records=5)
    assert [r.weight for r in pr.rep_records] == [132.5, 130, 127.5, 125, 122.5]
    assert pr.rep_record_weights == 30


def test_duration_and_distance_records() -> None:
    sets = [rec(PLANK, day(1), None, None, duration_s=45), rec(PLANK, day(2), None, None, duration_s=90)]
    sets.append(rec(PLANK, day(3), None, None, duration_s=300, warmup=True))
    pr = personal_records(PLANK, sets)
    assert pr.longest_duration_s == 90
    assert pr.longest_distance_m is None
    assert pr.heaviest_set is None


@given(logs(exercises=(SQUAT,)))
def test_heaviest_set_is_at_least_every_working_set(sets: list[SetRecord]) -> None:
    pr = personal_records(SQUAT, sets)
    lifted = [s for s in sets if not s.is_warmup and s.weight_kg is not None and (s.reps or 0) >= 1]
    if not lifted:
        assert pr.heaviest_set is None
        return
    assert pr.heaviest_set is not None
    assert pr.heaviest_set.weight is not None
    for s in lifted:
        assert pr.heaviest_set.weight >= display_weight(s.weight_kg or 0, "kg")
        e1rm = estimated_1rm(s.weight_kg or 0, s.reps or 0)
        if e1rm is not None:
            assert pr.best_estimated_1rm is not None
            assert pr.best_estimated_1rm.estimated_1rm >= display_weight(e1rm, "kg")


@given(logs(exercises=(SQUAT,)), logs(exercises=(SQUAT,)))
def test_warmups_never_change_records(sets: list[SetRecord], extra: list[SetRecord]) -> None:
    warmups = [s.model_copy(update={"is_warmup": True, "workout_id": "w-extra"}) for s in extra]
    with_warmups = personal_records(SQUAT, sets + warmups)
    without = personal_records(SQUAT, sets)
    assert with_warmups.heaviest_set == without.heaviest_set
    assert with_warmups.best_estimated_1rm == without.best_estimated_1rm
    assert with_warmups.rep_records == without.rep_records
    assert with_warmups.working_sets == without.working_sets


@given(logs(exercises=(SQUAT,)), st.integers(min_value=1, max_value=6), st.sampled_from(["kg", "lb"]))
def test_rep_record_table_is_heaviest_first_and_beats_every_set(
    sets: list[SetRecord], limit: int, unit: str
) -> None:
    pr = personal_records(SQUAT, sets, max_rep_records=limit, unit=unit)  # type: ignore[arg-type]
    shown = [r.weight for r in pr.rep_records]
    assert shown == sorted(shown, reverse=True)
    assert len(set(shown)) == len(shown) <= limit
    best = {r.weight: r.reps for r in pr.rep_records}
    for s in sets:
        if s.is_warmup or s.weight_kg is None or not s.reps:
            continue
        w = display_weight(s.weight_kg, unit)  # type: ignore[arg-type]
        if w in best:
            assert best[w] >= s.reps


# --- streaks ---------------------------------------------------------------------------------------

MON = date(2026, 3, 2)  # a Monday


def test_current_day_streak_survives_a_today_without_a_session_yet() -> None:
    days = [MON, MON + timedelta(1), MON + timedelta(2)]
    assert training_streaks(days, today=MON + timedelta(3)).current_days == 3
    assert training_streaks(days, today=MON + timedelta(2)).current_days == 3
    assert training_streaks(days, today=MON + timedelta(4)).current_days == 0


def test_week_streaks_count_consecutive_iso_weeks() -> None:
    # Sunday then Monday are two ISO weeks; then a missing week, then three in a row ending last week.
    days = [MON - timedelta(days=36), MON - timedelta(days=35)]
    days += [MON - timedelta(weeks=3), MON - timedelta(weeks=2) + timedelta(days=6), MON - timedelta(weeks=1)]
    streaks = training_streaks(days, today=MON + timedelta(days=2))
    assert streaks.longest_weeks == 3
    assert streaks.current_weeks == 3
    assert streaks.longest_days == 2
    assert streaks.current_days == 0
    assert streaks.last_session_on == MON - timedelta(weeks=1)
    assert training_streaks(days, today=MON + timedelta(weeks=1)).current_weeks == 0


def test_no_sessions_no_streaks() -> None:
    streaks = training_streaks([], today=MON)
    assert (streaks.current_days, streaks.longest_days, streaks.current_weeks, streaks.longest_weeks) == (
        0,
        0,
        0,
        0,
    )
    assert streaks.last_session_on is None


session_days = st.lists(st.integers(min_value=0, max_value=200).map(lambda n: MON + timedelta(days=n)))


@given(session_days, st.integers(min_value=0, max_value=220).map(lambda n: MON + timedelta(days=n)))
def test_streaks_never_exceed_distinct_days_or_weeks(days: list[date], today: date) -> None:
    streaks = training_streaks(days, today=today)
    distinct_weeks = {d - timedelta(days=d.weekday()) for d in days}
    assert streaks.current_days <= streaks.longest_days <= len(set(days))
    assert streaks.current_weeks <= streaks.longest_weeks <= len(distinct_weeks)
    # A run of n consecutive days touches at least ceil(n / 7) consecutive weeks.
    assert streaks.longest_weeks >= math.ceil(streaks.longest_days / 7)


@given(session_days, st.integers(min_value=1, max_value=200).map(lambda n: MON + timedelta(days=n)))
def test_training_today_extends_yesterdays_streak(days: list[date], today: date) -> None:
    before = [d for d in days if d < today]
    if today - timedelta(days=1) not in before:
        return
    was = training_streaks(before, today=today).current_days
    assert training_streaks([*before, today], today=today).current_days == was + 1


# --- summaries -------------------------------------------------------------------------------------


def test_weekly_summary_hand_checked() -> None:
    mon = datetime(2026, 1, 5, 18, tzinfo=UTC)
    sets = [
        rec(SQUAT, mon, 5, 100, workout="a"),
        rec(SQUAT, mon, 5, 60, workout="a", warmup=True),
        rec(BENCH, mon + timedelta(days=2), 5, 80, workout="b"),
        rec(SQUAT, mon + timedelta(weeks=2), 3, 110, workout="c"),
    ]
    summary = training_summary(sets, by="week", today=date(2026, 1, 20))
    assert [p.label for p in summary.periods] == ["2026-W02", "2026-W03", "2026-W04"]
    first, empty, last = summary.periods
    assert (first.start, first.end) == (date(2026, 1, 5), date(2026, 1, 11))
    assert (first.sessions, first.sets, first.working_sets, first.volume) == (2, 3, 2, 900)
    assert first.volume_by_muscle_group == {"chest": 400, "triceps": 400, "glutes": 500, "quads": 500}
    assert list(first.volume_by_muscle_group) == ["glutes", "quads", "chest", "triceps"]
    assert (empty.sessions, empty.sets, empty.volume, empty.volume_by_muscle_group) == (0, 0, 0, {})
    assert (last.sessions, last.volume) == (1, 330)
    assert (summary.sessions, summary.sets, summary.working_sets, summary.volume) == (3, 4, 3, 1230)
    assert summary.streaks.current_weeks == 1
    assert summary.streaks.current_days == 1
    assert summary.streaks.longest_weeks == 1


def test_summary_in_pounds() -> None:
    sets = [rec(SQUAT, datetime(2026, 1, 5, tzinfo=UTC), 9, 100)]
    summary = training_summary(sets, by="month", today=date(2026, 1, 5), unit="lb")
    assert summary.unit == "lb"
    assert summary.volume == 1984.2  # 900 kg
    assert summary.periods[0].volume_by_muscle_group == {"glutes": 1984.2, "quads": 1984.2}


def test_monthly_periods_cross_the_year_and_fill_gaps() -> None:
    sets = [rec(SQUAT, datetime(2026, 2, 3, tzinfo=UTC), 5, 100)]
    summary = training_summary(sets, by="month", today=date(2026, 2, 10), start=date(2025, 11, 20))
    assert [p.label for p in summary.periods] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert summary.periods[1].end == date(2025, 12, 31)
    assert summary.periods[3].end == date(2026, 2, 28)


def test_iso_week_label_at_the_year_boundary() -> None:
    sets = [rec(SQUAT, datetime(2026, 1, 1, tzinfo=UTC), 5, 100)]  # a Thursday
    (period,) = training_summary(sets, by="week", today=date(2026, 1, 1)).periods
    assert (period.label, period.start) == ("2026-W01", date(2025, 12, 29))


def test_periods_follow_the_utc_day_not_the_local_one() -> None:
    late_sunday_in_new_york = datetime(2026, 1, 11, 22, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_day(late_sunday_in_new_york) == date(2026, 1, 12)
    summary = training_summary([rec(SQUAT, late_sunday_in_new_york, 5, 100)], by="week", today=MON)
    assert summary.periods[0].label == "2026-W03"


def test_empty_log_has_no_periods() -> None:
    summary = training_summary([], by="week", today=MON)
    assert summary.periods == []
    assert (summary.sessions, summary.volume) == (0, 0)


@given(logs(), st.sampled_from(["week", "month"]))
def test_periods_add_up_to_the_totals(sets: list[SetRecord], by: str) -> None:
    summary = training_summary(sets, by=by, today=date(2026, 6, 1))  # type: ignore[arg-type]
    assert sum(p.sets for p in summary.periods) == summary.sets == len(sets)
    assert sum(p.working_sets for p in summary.periods) == summary.working_sets
    assert sum(p.sessions for p in summary.periods) == summary.sessions == len({s.workout_id for s in sets})
    assert math.isclose(sum(p.volume for p in summary.periods), summary.volume, abs_tol=0.05 * 60 + 0.1)
    for earlier, later in zip(summary.periods, summary.periods[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
    for s in sets:
        d = utc_day(s.performed_at)
        assert any(p.start <= d <= p.end for p in summary.periods)


@given(logs())
def test_volume_per_muscle_group_is_bounded_by_the_volume(sets: list[SetRecord]) -> None:
    summary = training_summary(sets, by="week", today=date(2026, 6, 1))
    scopes: list[PeriodSummary | TrainingSummary] = [*summary.periods, summary]
    for scope in scopes:
        for group_volume in scope.volume_by_muscle_group.values():
            assert 0 < group_volume <= scope.volume + 0.1
    # Each set counts in full for each of its groups, so the groups together hold at least the volume
    # of every set that has a group.
    grouped = volume_kg(s for s in sets if s.muscle_groups)
    assert sum(summary.volume_by_muscle_group.values()) >= grouped - 0.05 * 4
