"""Our own export: a JSON document that imports back exactly (export -> import -> export is identical).

Shape (version 1): `{"format": "workout-mcp-export", "version": 1, "units": {...}, "exercises": [own
exercises], "workouts": [{title, started_at, ended_at, notes, rpe, sets: [{exercise, reps, weight_kg,
duration_s, distance_m, rpe, is_warmup}]}]}`. Times are UTC ISO 8601 with a `Z`; weights kg,
distances metres, durations seconds. Sets name their exercise: a catalogue name or one listed in
`exercises`. `plans` (name, notes, sessions of exercise targets) and `body_weights` (measured_at,
weight_kg, note) follow. Nothing volatile (ids, export time) is written, so the same log always gives
the same bytes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from workout_mcp.domain.base import Model
from workout_mcp.domain.body_weight import NewBodyWeight
from workout_mcp.domain.models import NewSet
from workout_mcp.domain.plans import NewPlan
from workout_mcp.domain.transfer import (
    ExportedWorkout,
    ImportBatch,
    ImportedExercise,
    ImportedWorkout,
    LogExport,
)
from workout_mcp.store.catalogue import CATALOGUE
from workout_mcp.transfer.building import ParsedFile, Preview
from workout_mcp.transfer.problems import ImportProblem

FORMAT = "workout-mcp-export"
VERSION = 1
UNITS = {"weight": "kg", "distance": "m", "duration": "s", "time": "UTC"}
_CATALOGUE_NAMES = {" ".join(e.name.split()).lower(): e.name for e in CATALOGUE}


class _File(Model):
    model_config = ConfigDict(extra="ignore")

    format: Literal["workout-mcp-export"]
    version: Literal[1]
    exercises: list[ImportedExercise] = Field(default_factory=list, max_length=5000)
    workouts: list[ImportedWorkout] = Field(default_factory=list)
    plans: list[NewPlan] = Field(default_factory=list, max_length=1000)
    body_weights: list[NewBodyWeight] = Field(default_factory=list, max_length=100_000)


def looks_native(text: str) -> bool:
    return text.lstrip()[:1] == "{" and f'"{FORMAT}"' in text[:200]


def parse(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise ImportProblem(f"not valid JSON ({getattr(exc, 'msg', 'unreadable')})", line=line) from None
    try:
        doc = _File.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ImportProblem(f"{where}: {err['msg']}") from None
    own = {" ".join(e.name.split()).lower(): e for e in doc.exercises}
    unmatched: dict[str, None] = {}
    extra: list[ImportedExercise] = []
    for workout in doc.workouts:
        for s in workout.sets:
            key = " ".join(s.exercise.split()).lower()
            if key not in _CATALOGUE_NAMES and key not in own and s.exercise not in unmatched:
                unmatched[s.exercise] = None
                extra.append(ImportedExercise(name=s.exercise))
    for w in doc.workouts:
        if w.started_at.tzinfo is None:
            raise ImportProblem(f"workout at {w.started_at.isoformat()}: started_at needs a timezone (Z)")
    workouts = doc.workouts
    preview = Preview(
        source="workout-mcp",
        layout=f"{FORMAT} v{VERSION}",
        workouts=len(workouts),
        sets=sum(len(w.sets) for w in workouts),
        first_workout=min((w.started_at for w in workouts), default=None),
        last_workout=max((w.started_at for w in workouts), default=None),
        unmatched_exercises=sorted({e.name for e in doc.exercises} | set(unmatched), key=str.lower),
        units=[f"{k}: {v}" for k, v in UNITS.items()],
    )
    batch = ImportBatch(
        workouts=workouts, exercises=[*doc.exercises, *extra], plans=doc.plans, body_weights=doc.body_weights
    )
    return ParsedFile(preview, batch)


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _set(s: NewSet) -> dict[str, Any]:
    return {
        "exercise": s.exercise,
        "reps": s.reps,
        "weight_kg": s.weight_kg,
        "duration_s": s.duration_s,
        "distance_m": s.distance_m,
        "rpe": s.rpe,
        "is_warmup": s.is_warmup,
    }


def _workout(w: ExportedWorkout) -> dict[str, Any]:
    return {
        "title": w.title,
        "started_at": _time(w.started_at),
        "ended_at": _time(w.ended_at),
        "notes": w.notes,
        "rpe": w.rpe,
        "sets": [_set(s) for s in w.sets],
    }


def document(log: LogExport) -> dict[str, Any]:
    """The export as a JSON-ready dict, in a fixed order (see the module docstring)."""
    exercises = sorted(
        (
            {"name": e.name, "muscle_groups": e.muscle_groups, "equipment": e.equipment, "kind": e.kind}
            for e in log.exercises
        ),
        key=lambda e: str(e["name"]).lower(),
    )
    workouts = [_workout(w) for w in log.workouts]
    workouts.sort(key=lambda w: (w["started_at"], json.dumps(w, sort_keys=True)))
    plans = [p.model_dump(mode="json") for p in sorted(log.plans, key=lambda p: p.name.lower())]
    weights = [
        {"measured_at": _time(b.measured_at), "weight_kg": b.weight_kg, "note": b.note}
        for b in sorted(log.body_weights, key=lambda b: b.measured_at)
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "units": UNITS,
        "exercises": exercises,
        "workouts": workouts,
        "plans": plans,
        "body_weights": weights,
    }


def dumps(log: LogExport) -> str:
    return json.dumps(document(log), ensure_ascii=False, indent=1) + "\n"


def imported_as_exported(batch: ImportBatch) -> LogExport:
    """What a batch would export as (a dry run's view of the file)."""
    return LogExport(
        exercises=batch.exercises,
        workouts=[ExportedWorkout(**w.model_dump(exclude={"sets"}), sets=w.sets) for w in batch.workouts],
    )
