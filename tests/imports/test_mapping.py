"""Exercise names from Strong and Hevy onto the catalogue."""

from __future__ import annotations

import pytest

from workout_mcp.store.catalogue import CATALOGUE
from workout_mcp.transfer.mapping import TABLE, catalogue_name, normalise


def test_every_table_entry_names_a_catalogue_exercise() -> None:
    names = {e.name for e in CATALOGUE}
    assert sorted(set(TABLE.values()) - names) == []


@pytest.mark.parametrize(
    ("source", "ours"),
    [
        ("Squat (Barbell)", "Squat"),
        ("Bench Press (Dumbbell)", "Dumbbell Bench Press"),
        ("Bench Press (Barbell)", "Bench Press"),
        ("Deadlift (Barbell)", "Deadlift"),
        ("Romanian Deadlift (Barbell)", "Romanian Deadlift"),
        ("Incline Bench Press (Barbell)", "Incline Bench Press"),
        ("Row (Dumbbell)", "Dumbbell Row"),
        ("Pull Up", "Pull-Up"),
        ("Pull Ups", "Pull-Up"),
        ("pull-up", "Pull-Up"),
        ("Chin Up", "Chin-Up"),
        ("Push Up", "Push-Up"),
        ("Lat Pulldown (Cable)", "Lat Pulldown"),
        ("Leg Press", "Leg Press"),
        ("Leg Press (Machine)", "Leg Press"),
        ("Lying Leg Curl (Machine)", "Leg Curl"),
        ("Farmers Walk", "Farmer's Carry"),
        ("farmer's carry", "Farmer's Carry"),
        ("Seated Cable Row - V Grip (Cable)", "Seated Cable Row"),
        ("Running (Treadmill)", "Running"),
        ("Rowing (Machine)", "Rowing Erg"),
        ("  SQUAT   (barbell) ", "Squat"),
    ],
)
def test_known_names_map_onto_the_catalogue(source: str, ours: str) -> None:
    assert catalogue_name(source) == ours


@pytest.mark.parametrize(
    "source",
    [
        "Zercher Squat (Barbell)",
        "Squat (Smith Machine)",
        "Squat (Dumbbell)",
        "Sissy Squat",
        "Bench Press (Band)",
        "",
    ],
)
def test_other_names_stay_the_persons_own(source: str) -> None:
    assert catalogue_name(source) is None


def test_normalise_ignores_case_punctuation_hyphens_and_plurals() -> None:
    assert normalise("Farmer\u2019s  Walks") == normalise("farmers walk")
    assert normalise("Pull-Ups") == "pull up"
    assert normalise("Press") == "press"
