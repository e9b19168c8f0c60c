"""Exercise names from other apps onto our catalogue: a table first, then a normalised-name match.

The table holds the names Strong and Hevy give their built-in exercises where ours differ by more
than spelling ("Bench Press (Dumbbell)" is our "Dumbbell Bench Press"). Everything else goes
through `normalise`: case, punctuation, hyphens and plurals ignored, and an equipment suffix in
parentheses either agrees with the catalogue entry's equipment or is read as a prefix ("Row
(Dumbbell)" -> "Dumbbell Row"). A name that matches nothing stays the person's own exercise, under
the name the file gave it.
"""

from __future__ import annotations

import re

from workout_mcp.store.catalogue import CATALOGUE, CatalogueEntry

# Normalised source name -> catalogue name. Keys are written as people read them and normalised on
# load, so "Pull Up (Assisted)" and "pull-up (assisted)" are one key.
TABLE: dict[str, str] = {
    # Strong
    "Bench Press (Dumbbell)": "Dumbbell Bench Press",
    "Incline Bench Press (Dumbbell)": "Incline Dumbbell Press",
    "Shoulder Press (Dumbbell)": "Dumbbell Shoulder Press",
    "Overhead Press (Dumbbell)": "Dumbbell Shoulder Press",
    "Bent Over Row (Barbell)": "Barbell Row",
    "Bent Over One Arm Row (Dumbbell)": "Dumbbell Row",
    "Bicep Curl (Barbell)": "Barbell Curl",
    "Bicep Curl (Dumbbell)": "Dumbbell Curl",
    "Skullcrusher (Barbell)": "Skull Crusher",
    "Seated Row (Cable)": "Seated Cable Row",
    "Triceps Pushdown (Cable - Straight Bar)": "Triceps Pushdown",
    "Triceps Pushdown (Cable - Rope)": "Triceps Pushdown",
    "Lying Leg Curl (Machine)": "Leg Curl",
    "Seated Leg Curl (Machine)": "Leg Curl",
    "Calf Raise (Machine)": "Standing Calf Raise",
    "Standing Calf Raise (Machine)": "Standing Calf Raise",
    "Cable Crossover": "Cable Fly",
    "Lunge (Dumbbell)": "Walking Lunge",
    "Walking Lunge (Dumbbell)": "Walking Lunge",
    "Goblet Squat (Kettlebell)": "Goblet Squat",
    "Goblet Squat (Dumbbell)": "Goblet Squat",
    "Kettlebell Swing (Kettlebell)": "Kettlebell Swing",
    "Farmers Walk": "Farmer's Carry",
    "Farmer Walk": "Farmer's Carry",
    "Rowing (Machine)": "Rowing Erg",
    "Running (Treadmill)": "Running",
    "Cycling (Indoor)": "Cycling",
    "Elliptical Trainer": "Elliptical",
    "Jump Rope": "Jump Rope",
    "Stretching": "Yoga",
    # Hevy
    "Seated Cable Row - V Grip (Cable)": "Seated Cable Row",
    "Seated Cable Row - Bar Grip": "Seated Cable Row",
    "Leg Press (Machine)": "Leg Press",
    "Leg Extension (Machine)": "Leg Extension",
    "Lat Pulldown (Machine)": "Lat Pulldown",
    "Triceps Pushdown": "Triceps Pushdown",
    "Chest Dip": "Dip",
    "Triceps Dip": "Dip",
    "Cable Fly Crossovers": "Cable Fly",
    "Treadmill": "Running",
    "Rowing Machine": "Rowing Erg",
    "Dumbbell Row": "Dumbbell Row",
    "Hip Thrust (Machine)": "Hip Thrust",
    "Face Pull": "Face Pull",
}

_EQUIPMENT = {
    "barbell": "barbell",
    "dumbbell": "dumbbell",
    "kettlebell": "kettlebell",
    "machine": "machine",
    "cable": "cable",
    "bodyweight": "bodyweight",
}
_SUFFIX = re.compile(r"^(?P<base>.*?)\s*\((?P<equipment>[^()]*)\)$")


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 2 and word.endswith("s") and not word.endswith("ss") else word


def normalise(name: str) -> str:
    """Lower case, hyphens as spaces, other punctuation dropped, plurals singular, spaces single."""
    text = name.lower().replace("-", " ").replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9() ]+", "", text.replace("'", ""))
    return " ".join(_singular(w) for w in text.split())


_BY_NAME: dict[str, CatalogueEntry] = {normalise(e.name): e for e in CATALOGUE}
_TABLE: dict[str, str] = {normalise(k): v for k, v in TABLE.items()}


def catalogue_name(name: str) -> str | None:
    """The catalogue exercise `name` means, or None when it is the person's own."""
    key = normalise(name)
    if key in _TABLE:
        return _TABLE[key]
    if key in _BY_NAME:
        return _BY_NAME[key].name
    m = _SUFFIX.match(key)
    if m is None:
        return None
    base, equipment = m.group("base").strip(), m.group("equipment").strip()
    entry = _BY_NAME.get(base)
    if entry is not None and (equipment == "" or _EQUIPMENT.get(equipment) == entry.equipment):
        return entry.name
    prefixed = _BY_NAME.get(f"{equipment} {base}")
    if prefixed is not None and equipment in _EQUIPMENT:
        return prefixed.name
    return None
