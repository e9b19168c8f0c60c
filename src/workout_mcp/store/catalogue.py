"""The shared exercise catalogue every user sees, with ids that never change.

An id is `uuid5(CATALOGUE_NAMESPACE, name.lower())`, so the SQLite store, the Supabase seed migration
and every past release agree on it without a lookup. Never rename an entry: add a new one instead.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from workout_mcp.domain.models import MUSCLE_GROUPS, Exercise, ExerciseKind

CATALOGUE_NAMESPACE = uuid.UUID("bd3b0189-ef30-44e7-8f86-eac689fa103c")


class CatalogueEntry(NamedTuple):
    name: str
    muscle_groups: tuple[str, ...]
    equipment: str | None
    kind: ExerciseKind = "strength"


CATALOGUE: tuple[CatalogueEntry, ...] = (
    # barbell
    CatalogueEntry("Squat", ("quads", "glutes", "hamstrings", "core"), "barbell"),
    CatalogueEntry("Front Squat", ("quads", "glutes", "core"), "barbell"),
    CatalogueEntry("Bench Press", ("chest", "triceps", "shoulders"), "barbell"),
    CatalogueEntry("Incline Bench Press", ("chest", "shoulders", "triceps"), "barbell"),
    CatalogueEntry("Deadlift", ("hamstrings", "glutes", "back", "forearms"), "barbell"),
    CatalogueEntry("Romanian Deadlift", ("hamstrings", "glutes", "back"), "barbell"),
    CatalogueEntry("Overhead Press", ("shoulders", "triceps", "core"), "barbell"),
    CatalogueEntry("Barbell Row", ("back", "biceps", "forearms"), "barbell"),
    CatalogueEntry("Hip Thrust", ("glutes", "hamstrings"), "barbell"),
    CatalogueEntry("Barbell Curl", ("biceps", "forearms"), "barbell"),
    CatalogueEntry("Skull Crusher", ("triceps",), "barbell"),
    CatalogueEntry("Power Clean", ("full_body",), "barbell"),
    # dumbbell and kettlebell
    CatalogueEntry("Dumbbell Bench Press", ("chest", "triceps", "shoulders"), "dumbbell"),
    CatalogueEntry("Incline Dumbbell Press", ("chest", "shoulders", "triceps"), "dumbbell"),
    CatalogueEntry("Dumbbell Shoulder Press", ("shoulders", "triceps"), "dumbbell"),
    CatalogueEntry("Dumbbell Row", ("back", "biceps"), "dumbbell"),
    CatalogueEntry("Lateral Raise", ("shoulders",), "dumbbell"),
    CatalogueEntry("Dumbbell Curl", ("biceps", "forearms"), "dumbbell"),
    CatalogueEntry("Hammer Curl", ("biceps", "forearms"), "dumbbell"),
    CatalogueEntry("Goblet Squat", ("quads", "glutes", "core"), "dumbbell"),
    CatalogueEntry("Walking Lunge", ("quads", "glutes", "hamstrings"), "dumbbell"),
    CatalogueEntry("Bulgarian Split Squat", ("quads", "glutes"), "dumbbell"),
    CatalogueEntry("Kettlebell Swing", ("glutes", "hamstrings", "core"), "kettlebell"),
    CatalogueEntry("Farmer's Carry", ("forearms", "core", "full_body"), "dumbbell"),
    # bodyweight
    CatalogueEntry("Pull-Up", ("back", "biceps"), "bodyweight"),
    CatalogueEntry("Chin-Up", ("back", "biceps"), "bodyweight"),
    CatalogueEntry("Push-Up", ("chest", "triceps", "shoulders"), "bodyweight"),
    CatalogueEntry("Dip", ("chest", "triceps", "shoulders"), "bodyweight"),
    CatalogueEntry("Hanging Leg Raise", ("core",), "bodyweight"),
    CatalogueEntry("Plank", ("core",), "bodyweight"),
    CatalogueEntry("Side Plank", ("core",), "bodyweight"),
    # machines and cables
    CatalogueEntry("Leg Press", ("quads", "glutes"), "machine"),
    CatalogueEntry("Leg Extension", ("quads",), "machine"),
    CatalogueEntry("Leg Curl", ("hamstrings",), "machine"),
    CatalogueEntry("Standing Calf Raise", ("calves",), "machine"),
    CatalogueEntry("Lat Pulldown", ("back", "biceps"), "cable"),
    CatalogueEntry("Seated Cable Row", ("back", "biceps"), "cable"),
    CatalogueEntry("Cable Fly", ("chest",), "cable"),
    CatalogueEntry("Triceps Pushdown", ("triceps",), "cable"),
    CatalogueEntry("Face Pull", ("shoulders", "back"), "cable"),
    # cardio
    CatalogueEntry("Running", ("cardio", "quads", "calves"), None, "cardio"),
    CatalogueEntry("Cycling", ("cardio", "quads"), "bike", "cardio"),
    CatalogueEntry("Rowing Erg", ("cardio", "back", "quads"), "rowing machine", "cardio"),
    CatalogueEntry("Walking", ("cardio",), None, "cardio"),
    CatalogueEntry("Swimming", ("cardio", "full_body"), None, "cardio"),
    CatalogueEntry("Jump Rope", ("cardio", "calves"), "jump rope", "cardio"),
    CatalogueEntry("Elliptical", ("cardio",), "machine", "cardio"),
    # mobility
    CatalogueEntry("Yoga", ("full_body",), None, "mobility"),
    CatalogueEntry("Foam Rolling", ("full_body",), "foam roller", "mobility"),
    CatalogueEntry("Hip Flexor Stretch", ("quads", "glutes"), None, "mobility"),
)


def catalogue_id(name: str) -> str:
    """The stable id of the catalogue exercise called `name` (any case)."""
    return str(uuid.uuid5(CATALOGUE_NAMESPACE, name.strip().lower()))


def catalogue_exercises() -> list[Exercise]:
    """The whole catalogue as domain records, in catalogue order."""
    return [
        Exercise(
            id=catalogue_id(entry.name),
            name=entry.name,
            muscle_groups=list(entry.muscle_groups),
            equipment=entry.equipment,
            kind=entry.kind,
            custom=False,
        )
        for entry in CATALOGUE
    ]


def _check(entries: tuple[CatalogueEntry, ...]) -> None:
    names = [e.name.lower() for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    unknown = {g for e in entries for g in e.muscle_groups if g not in MUSCLE_GROUPS}
    if duplicates or unknown:
        raise ValueError(f"bad catalogue: duplicate names {duplicates}, unknown muscle groups {unknown}")


# A bad edit to the table should fail at import, not as a broken seed in production.
_check(CATALOGUE)
