"""Realistic demo training for trying the server without a log of one's own.

An upper/lower split four days a week with a deload every fourth week, warm-up ramps on the main
lifts, and cardio on Wednesdays and some Saturdays. Progress is fast at first and levels off the way
a trained lifter's does (no 420 kg deadlifts after three years, no 8 s/km runs). It goes through the
`WorkoutStore` protocol only, so it fills any store, and is the same for the same `seed` and `today`.
Every workout is built and validated before the first is saved, and a failed fill removes what it
saved: a demo is all there or not there at all.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import anyio

from workout_mcp.domain.models import NewSet, NewWorkout
from workout_mcp.store.base import WorkoutStore

MIN_WEEKS = 1
MAX_WEEKS = 104
# Weeks over which gains close about 63 % of their remaining distance: beginner gains, then a plateau.
ADAPTATION_WEEKS = 30.0

# Starting working weight (kg) and first weeks' increase of the main lifts; the total gain is
# `increase * ADAPTATION_WEEKS` (squat 100 -> about 170 kg after two years).
_MAIN_LIFTS: dict[str, tuple[float, float]] = {
    "Squat": (100.0, 2.5),
    "Bench Press": (72.5, 1.25),
    "Deadlift": (130.0, 2.5),
    "Overhead Press": (45.0, 1.25),
    "Barbell Row": (65.0, 1.25),
}


def _plates(kg: float) -> float:
    """Nearest weight loadable with 1.25 kg plates on a 20 kg bar."""
    return max(20.0, round(kg / 2.5) * 2.5)


def check_weeks(weeks: int) -> int:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between {MIN_WEEKS} and {MAX_WEEKS} (two years), not {weeks}")
    return weeks


class _Session:
    def __init__(self, rng: random.Random, week: int) -> None:
        self.rng = rng
        self.week = week
        self.sets: list[NewSet] = []

    def progress(self, total_gain: float) -> float:
        """How much of `total_gain` has come by this week; deload weeks add nothing."""
        trained = self.week - self.week // 4
        return total_gain * (1.0 - math.exp(-trained / ADAPTATION_WEEKS))

    def working_weight(self, lift: str) -> float:
        start, step = _MAIN_LIFTS[lift]
        weight = start + self.progress(step * ADAPTATION_WEEKS)
        # Every fourth week is a deload at 90 %.
        return _plates(weight * 0.9 if self.week % 4 == 3 else weight)

    def main_lift(self, lift: str, sets: int, reps: int) -> None:
        top = self.working_weight(lift)
        for fraction, warmup_reps in ((0.0, 10), (0.5, 5), (0.7, 3), (0.85, 1)):
            self.sets.append(
                NewSet(exercise=lift, reps=warmup_reps, weight_kg=_plates(top * fraction), is_warmup=True)
            )
        for n in range(sets):
            # The last set sometimes falls a rep short, as real logs do.
            done = reps - 1 if n == sets - 1 and self.rng.random() < 0.2 else reps
            rpe = min(10.0, 7.0 + n * 0.5 + self.rng.choice((0.0, 0.5)))
            self.sets.append(NewSet(exercise=lift, reps=done, weight_kg=top, rpe=rpe))

    def accessory(self, exercise: str, sets: int, reps: int, weight: float | None) -> None:
        for _ in range(sets):
            done = reps + self.rng.choice((-1, 0, 0, 1))
            self.sets.append(NewSet(exercise=exercise, reps=max(1, done), weight_kg=weight))

    def hold(self, exercise: str, sets: int, seconds: int) -> None:
        for _ in range(sets):
            self.sets.append(NewSet(exercise=exercise, duration_s=seconds + self.rng.choice((-10, 0, 10))))


def _lower_a(s: _Session) -> str:
    s.main_lift("Squat", 3, 5)
    s.accessory("Romanian Deadlift", 3, 8, _plates(s.working_weight("Deadlift") * 0.55))
    s.accessory("Leg Press", 3, 10, _plates(140 + s.progress(90)))
    s.accessory("Standing Calf Raise", 3, 12, 60.0)
    s.hold("Plank", 2, 60)
    return "Lower A"


def _upper_a(s: _Session) -> str:
    s.main_lift("Bench Press", 3, 5)
    s.accessory("Barbell Row", 3, 6, s.working_weight("Barbell Row"))
    s.accessory("Pull-Up", 3, 6 + round(s.progress(6)), None)
    s.accessory("Lateral Raise", 3, 12, 10.0)
    s.accessory("Triceps Pushdown", 3, 12, 25.0)
    return "Upper A"


def _lower_b(s: _Session) -> str:
    s.main_lift("Deadlift", 2, 5)
    s.accessory("Front Squat", 3, 5, _plates(s.working_weight("Squat") * 0.75))
    s.accessory("Walking Lunge", 2, 10, 16.0)
    s.accessory("Leg Curl", 3, 10, 40.0)
    s.accessory("Hanging Leg Raise", 3, 10, None)
    return "Lower B"


def _upper_b(s: _Session) -> str:
    s.main_lift("Overhead Press", 3, 5)
    s.accessory("Incline Dumbbell Press", 3, 8, 26.0 + 2 * round(s.progress(6)))
    s.accessory("Lat Pulldown", 3, 10, _plates(55.0 + s.progress(25)))
    s.accessory("Dumbbell Curl", 3, 10, 12.0)
    s.accessory("Face Pull", 3, 15, 20.0)
    return "Upper B"


def _run(s: _Session) -> str:
    km = s.rng.choice((5, 6, 8))
    pace_s = s.rng.randint(300, 340) - round(s.progress(30))  # 4:30 to 5:40 per km
    s.sets.append(NewSet(exercise="Running", distance_m=km * 1000.0, duration_s=km * pace_s))
    return "Easy run"


def _cardio_saturday(s: _Session) -> str:
    if s.rng.random() < 0.5:
        km = s.rng.choice((20, 30, 40))
        s.sets.append(NewSet(exercise="Cycling", distance_m=km * 1000.0, duration_s=km * 130))
        return "Bike ride"
    s.sets.append(NewSet(exercise="Rowing Erg", distance_m=5000.0, duration_s=1260 - round(s.progress(90))))
    return "Rowing"


_SCHEDULE: dict[int, tuple[Callable[[_Session], str], float]] = {
    # weekday: (session, chance it happens)
    0: (_lower_a, 0.95),
    1: (_upper_a, 0.95),
    2: (_run, 0.7),
    3: (_lower_b, 0.9),
    4: (_upper_b, 0.9),
    5: (_cardio_saturday, 0.5),
}


def demo_workouts(*, weeks: int = 12, today: date, seed: int = 7) -> list[NewWorkout]:
    """`weeks` weeks of training ending the day before `today`, oldest first; `ValueError` outside 1..104."""
    rng = random.Random(seed)
    first = today - timedelta(weeks=check_weeks(weeks))
    workouts: list[NewWorkout] = []
    for offset in range((today - first).days):
        day = first + timedelta(days=offset)
        planned = _SCHEDULE.get(day.weekday())
        if planned is None:
            continue
        build, chance = planned
        if rng.random() >= chance:
            continue
        session = _Session(rng, week=offset // 7)
        title = build(session)
        started = datetime.combine(day, time(17, 0), tzinfo=UTC) + timedelta(minutes=rng.randint(0, 120))
        workouts.append(
            NewWorkout(
                title=title,
                started_at=started,
                ended_at=started + timedelta(minutes=rng.randint(45, 80)),
                rpe=float(rng.randint(6, 9)),
                sets=session.sets,
            )
        )
    return workouts


async def fill_demo(store: WorkoutStore, *, weeks: int = 12, today: date, seed: int = 7) -> int:
    """Log the demo into `store`, all or nothing; returns how many workouts were logged."""
    workouts = demo_workouts(weeks=weeks, today=today, seed=seed)
    saved: list[str] = []
    try:
        for workout in workouts:
            saved.append((await store.log_workout(workout)).id)
    except BaseException:
        # Interrupted (an error, Ctrl-C, a cancelled task): take back what this fill saved.
        with anyio.CancelScope(shield=True):
            for workout_id in reversed(saved):
                await store.delete_workout(workout_id)
        raise
    return len(saved)
