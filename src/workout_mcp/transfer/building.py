"""From rows to an `ImportBatch`: workouts grouped, names mapped, limits checked, a preview counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import Field, ValidationError

from workout_mcp.domain.base import Model
from workout_mcp.domain.models import NewSet
from workout_mcp.domain.transfer import (
    MAX_IMPORT_SETS,
    MAX_IMPORT_WORKOUTS,
    MAX_SETS_PER_WORKOUT,
    ImportBatch,
    ImportedExercise,
    ImportedWorkout,
)
from workout_mcp.transfer.mapping import catalogue_name
from workout_mcp.transfer.problems import ImportProblem

Source = str  # "strong", "hevy" or "workout-mcp"
MAX_NOTES = 2000


class Preview(Model):
    """What a file holds, shown before anything is saved and repeated in the report."""

    source: str = Field(description="strong, hevy or workout-mcp")
    layout: str = Field(description="which variant of the app's export the file is")
    workouts: int
    sets: int
    first_workout: datetime | None = None
    last_workout: datetime | None = None
    unmatched_exercises: list[str] = Field(
        default_factory=list, description="names not in the catalogue: they become your own exercises"
    )
    mapped_exercises: dict[str, str] = Field(
        default_factory=dict, description="file name -> catalogue name, where they differ"
    )
    units: list[str] = Field(default_factory=list, description="what the file's numbers were, converted")
    set_types: dict[str, int] = Field(default_factory=dict)
    skipped_rows: dict[str, int] = Field(default_factory=dict, description="rows left out, and why")
    warnings: list[str] = Field(default_factory=list)


@dataclass
class ParsedFile:
    preview: Preview
    batch: ImportBatch


@dataclass
class RawSet:
    line: int
    exercise: str
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: int | None = None
    distance_m: float | None = None
    rpe: float | None = None
    is_warmup: bool = False


@dataclass
class RawWorkout:
    line: int
    title: str | None
    started_at: datetime
    ended_at: datetime | None = None
    notes: list[str] = field(default_factory=list)
    rpe: float | None = None
    sets: list[RawSet] = field(default_factory=list)


class Builder:
    """Collects workouts in file order; `finish` maps exercises and validates the whole batch."""

    def __init__(self, source: Source, layout: str) -> None:
        self.source, self.layout = source, layout
        self.workouts: dict[tuple[datetime, str | None], RawWorkout] = {}
        self.units: set[str] = set()
        self.set_types: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.set_count = 0
        self.own: dict[str, ImportedExercise] = {}

    def workout(self, line: int, title: str | None, started_at: datetime) -> RawWorkout:
        key = (started_at, title)
        found = self.workouts.get(key)
        if found is None:
            if len(self.workouts) >= MAX_IMPORT_WORKOUTS:
                raise ImportProblem(f"more than {MAX_IMPORT_WORKOUTS} workouts; split the file", line=line)
            found = self.workouts[key] = RawWorkout(line, title, started_at)
        return found

    def add_set(self, workout: RawWorkout, raw: RawSet, kind: str) -> None:
        if raw.reps is None and raw.duration_s is None and raw.distance_m is None:
            self.skipped["sets without reps, time or distance"] += 1
            return
        if len(workout.sets) >= MAX_SETS_PER_WORKOUT:
            raise ImportProblem(f"a workout with more than {MAX_SETS_PER_WORKOUT} sets", line=raw.line)
        self.set_count += 1
        if self.set_count > MAX_IMPORT_SETS:
            raise ImportProblem(f"more than {MAX_IMPORT_SETS} sets; split the file", line=raw.line)
        self.set_types[kind] += 1
        workout.sets.append(raw)

    def note(self, workout: RawWorkout, text: str) -> None:
        text = text.strip()
        if text and text not in workout.notes:
            workout.notes.append(text)

    def finish(self) -> ParsedFile:
        names: dict[str, str] = {}
        mapped: dict[str, str] = {}
        unmatched: dict[str, None] = {}
        kinds: dict[str, set[str]] = {}
        workouts: list[ImportedWorkout] = []
        for raw in self.workouts.values():
            if not raw.sets:
                self.skipped["workouts without sets"] += 1
                continue
            sets = []
            for s in raw.sets:
                target = names.get(s.exercise)
                if target is None:
                    target = self._target(s, mapped, unmatched)
                    names[s.exercise] = target
                kinds.setdefault(target, set()).add("strength" if s.reps is not None else "cardio")
                try:
                    sets.append(
                        NewSet(
                            exercise=target,
                            reps=s.reps,
                            weight_kg=None if s.weight_kg is None else round(s.weight_kg, 3),
                            duration_s=s.duration_s,
                            distance_m=None if s.distance_m is None else round(s.distance_m, 2),
                            rpe=s.rpe,
                            is_warmup=s.is_warmup,
                        )
                    )
                except ValidationError as exc:
                    raise ImportProblem(_first_error(exc), line=s.line) from None
            notes = "\n".join(raw.notes) or None
            if notes is not None and len(notes) > MAX_NOTES:
                self.warnings.append(f"line {raw.line}: workout notes cut to {MAX_NOTES} characters")
                notes = notes[:MAX_NOTES]
            title = raw.title[:120] if raw.title else None
            ended = raw.ended_at if raw.ended_at is None or raw.ended_at >= raw.started_at else None
            try:
                workouts.append(
                    ImportedWorkout(
                        title=title,
                        started_at=raw.started_at,
                        ended_at=ended,
                        notes=notes,
                        rpe=raw.rpe,
                        sets=sets,
                    )
                )
            except ValidationError as exc:
                raise ImportProblem(_first_error(exc), line=raw.line) from None
        for name in unmatched:
            kind = "cardio" if kinds.get(name) == {"cardio"} else "strength"
            self.own.setdefault(name, ImportedExercise(name=name, kind=kind))
        workouts.sort(key=lambda w: w.started_at)
        preview = Preview(
            source=self.source,
            layout=self.layout,
            workouts=len(workouts),
            sets=sum(len(w.sets) for w in workouts),
            first_workout=workouts[0].started_at if workouts else None,
            last_workout=workouts[-1].started_at if workouts else None,
            unmatched_exercises=sorted(unmatched, key=str.lower),
            mapped_exercises=dict(sorted(mapped.items())),
            units=sorted(self.units),
            set_types=dict(self.set_types),
            skipped_rows=dict(self.skipped),
            warnings=self.warnings[:20],
        )
        if not workouts:
            raise ImportProblem("the file holds no workouts with sets")
        return ParsedFile(preview, ImportBatch(workouts=workouts, exercises=list(self.own.values())))

    def _target(self, s: RawSet, mapped: dict[str, str], unmatched: dict[str, None]) -> str:
        name = " ".join(s.exercise.split())
        if not name:
            raise ImportProblem("the exercise name is empty", line=s.line)
        if len(name) > 80:
            raise ImportProblem("an exercise name longer than 80 characters", line=s.line)
        if name in self.own:
            return name
        found = catalogue_name(name)
        if found is None:
            unmatched[name] = None
            return name
        if found != name:
            mapped[name] = found
        return found


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
