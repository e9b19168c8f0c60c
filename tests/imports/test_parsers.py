"""The Strong, Hevy and workout-mcp parsers over fixtures written from the formats' documentation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workout_mcp.transfer import ImportProblem, detect, parse_file
from workout_mcp.transfer.values import KG_PER_LB

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sets_of(parsed, index: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    w = parsed.batch.workouts[index]
    return [(s.exercise, s.reps, s.weight_kg, s.duration_s, s.distance_m, s.rpe, s.is_warmup) for s in w.sets]


def test_strong_comma_layout_groups_sets_maps_names_and_skips_rest_timers() -> None:
    parsed = parse_file(load("strong_comma.csv"))
    p = parsed.preview
    assert (p.source, p.layout, p.workouts, p.sets) == ("strong", "strong comma", 3, 12)
    assert p.skipped_rows == {"rest-timer rows": 1}
    assert p.set_types == {"warmup": 1, "normal": 10, "dropset": 1}
    assert p.unmatched_exercises == ["Zercher Squat (Barbell)"]
    assert p.mapped_exercises["Bench Press (Dumbbell)"] == "Dumbbell Bench Press"
    assert p.mapped_exercises["Squat (Barbell)"] == "Squat"
    assert any("assumed" in u for u in p.units)
    leg = parsed.batch.workouts[0]
    assert leg.title == "Leg Day"
    assert leg.started_at == datetime(2023, 1, 15, 17, 30, tzinfo=UTC)
    assert leg.ended_at == datetime(2023, 1, 15, 18, 35, tzinfo=UTC)  # "1h 5m"
    assert leg.notes == "Felt strong, slept well\nSquat (Barbell): belt on"
    assert sets_of(parsed, 0) == [
        ("Squat", 10, 40.0, None, None, None, True),
        ("Squat", 5, 100.0, None, None, 8.0, False),
        ("Squat", 5, 102.5, None, None, 8.5, False),
        ("Zercher Squat (Barbell)", 8, 60.0, None, None, None, False),
        ("Zercher Squat (Barbell)", 12, 40.0, None, None, None, False),
        ("Running", None, None, 900, 2500.0, None, False),
    ]
    assert [e.name for e in parsed.batch.exercises] == ["Zercher Squat (Barbell)"]


def test_strong_twelve_hour_time_with_narrow_no_break_space_and_quoted_multiline_notes() -> None:
    parsed = parse_file(load("strong_comma.csv"))
    push, pull = parsed.batch.workouts[1], parsed.batch.workouts[2]
    assert push.started_at == datetime(2023, 1, 17, 18, 5, tzinfo=UTC)
    assert push.ended_at == datetime(2023, 1, 17, 18, 50, tzinfo=UTC)  # "45m"
    assert sets_of(parsed, 1)[2:] == [
        ("Pull-Up", 12, None, None, None, None, False),
        ("Plank", None, None, 60, None, None, False),
    ]
    assert pull.title == 'Pull "heavy"'
    assert pull.notes == "Two lines\nof notes"


def test_strong_comma_layout_in_pounds_and_a_timezone_when_told() -> None:
    parsed = parse_file(
        load("strong_comma.csv"), weight_unit="lb", distance_unit="mi", timezone="Europe/Berlin"
    )
    leg = parsed.batch.workouts[0]
    assert leg.started_at == datetime(2023, 1, 15, 16, 30, tzinfo=UTC)
    assert leg.sets[1].weight_kg == round(100 * KG_PER_LB, 3)
    assert leg.sets[5].distance_m == round(2.5 * 1609.344, 2)
    assert "weight: lb (assumed; the file does not say)" in parsed.preview.units


def test_strong_semicolon_layout_reads_units_per_row_and_decimal_commas() -> None:
    parsed = parse_file(load("strong_semicolon.csv"))
    p = parsed.preview
    assert (p.source, p.workouts, p.sets) == ("strong", 2, 7)
    assert p.units == ["distance: mi", "weight: kg", "weight: lb"]
    assert sets_of(parsed, 0) == [
        ("Deadlift", 5, round(135 * KG_PER_LB, 3), None, None, None, False),
        ("Deadlift", 4, round(225 * KG_PER_LB, 3), None, None, 8.0, False),
        ("Leg Extension", 12, 45.5, None, None, None, False),
        ("Cycling", None, None, 1800, round(10 * 1609.344, 2), None, False),
    ]
    assert parsed.batch.workouts[0].ended_at == datetime(2019, 1, 11, 13, 33, 54, tzinfo=UTC)
    assert sets_of(parsed, 1)[0][-1] is True  # "W"
    assert sets_of(parsed, 1)[2][:3] == ("Chin-Up", 8, None)


def test_hevy_kg_export_set_types_dates_and_descriptions() -> None:
    parsed = parse_file(load("hevy_kg.csv"))
    p = parsed.preview
    assert (p.source, p.workouts, p.sets) == ("hevy", 3, 11)
    assert p.set_types == {"warmup": 1, "normal": 7, "failure": 1, "dropset": 2}
    assert p.unmatched_exercises == ["Sissy Squat"]
    upper = parsed.batch.workouts[0]
    assert upper.started_at == datetime(2023, 1, 15, 7, 30, tzinfo=UTC)
    assert upper.ended_at == datetime(2023, 1, 15, 8, 35, tzinfo=UTC)
    assert upper.notes == "Good pump\nBench Press (Barbell): Pause reps"
    assert [s.exercise for s in upper.sets] == [
        "Bench Press",
        "Bench Press",
        "Bench Press",
        "Lat Pulldown",
        "Seated Cable Row",
        "Lateral Raise",
        "Lateral Raise",
    ]
    assert upper.sets[0].is_warmup and not upper.sets[2].is_warmup
    assert sets_of(parsed, 1) == [("Running", None, None, 1860, 5200.0, None, False)]
    assert sets_of(parsed, 2)[2] == ("Plank", None, None, 90, None, None, False)


def test_hevy_pounds_and_miles_are_converted() -> None:
    parsed = parse_file(load("hevy_lbs.csv"))
    assert parsed.preview.units == ["distance: mi", "weight: lb"]
    assert sets_of(parsed, 0) == [
        ("Dumbbell Bench Press", 10, round(70 * KG_PER_LB, 3), None, None, None, False),
        ("Dumbbell Bench Press", 8, round(75 * KG_PER_LB, 3), None, None, 8.5, False),
        ("Walking", None, None, 1500, round(1.5 * 1609.344, 2), None, False),
    ]


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("strong_comma.csv", "strong"),
        ("strong_semicolon.csv", "strong"),
        ("hevy_kg.csv", "hevy"),
        ("hevy_lbs.csv", "hevy"),
    ],
)
def test_format_is_detected_from_the_header(name: str, found: str) -> None:
    assert detect(load(name).decode("utf-8-sig")) == found


def test_asking_for_the_wrong_app_names_the_right_one() -> None:
    with pytest.raises(ImportProblem, match="looks like a hevy export, not strong"):
        parse_file(load("hevy_kg.csv"), source="strong")


def with_line(data: bytes, number: int, replace: tuple[bytes, bytes]) -> bytes:
    lines = data.split(b"\n")
    lines[number - 1] = lines[number - 1].replace(*replace)
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            with_line(load("strong_comma.csv"), 3, (b",100,", b",heavy,")),
            "line 3, column 'Weight': 'heavy' is not a number",
        ),
        (
            with_line(load("strong_comma.csv"), 5, (b",2,", b",X,")),
            "line 5, column 'Set Order': 'X' is not a set order",
        ),
        (
            with_line(load("strong_comma.csv"), 3, (b",5,", b",5000,")),
            "line 3, column 'Reps': 5000 is outside 0 to 1000",
        ),
        (with_line(load("strong_comma.csv"), 9, (b"2023-01-17", b"yesterday")), "line 9, column 'Date'"),
        (with_line(load("strong_comma.csv"), 6, (b"1h 5m", b"forever")), "line 6, column 'Duration'"),
        (with_line(load("hevy_kg.csv"), 4, (b'"failure"', b'"superset"')), "line 4, column 'set_type'"),
        (with_line(load("hevy_kg.csv"), 9, (b"5.2", b"-5.2")), "line 9, column 'distance_km'"),
        (
            load("strong_comma.csv") + b'2023-02-01 10:00:00,"Open quote,1h,"Squat,1,1,1,0,0,"","",\n',
            "malformed CSV",
        ),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"name,age\nbob,3\n", "not a Strong, Hevy or workout-mcp export"),
        (b"", "empty"),
        (b"Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n", "no workouts"),
    ],
)
def test_a_bad_file_names_the_first_bad_place(data: bytes, message: str) -> None:
    with pytest.raises(ImportProblem) as caught:
        parse_file(data)
    assert message in str(caught.value)


def test_uploads_are_bounded_in_size() -> None:
    with pytest.raises(ImportProblem, match="limit here is 1 KB"):
        parse_file(load("strong_comma.csv"), max_bytes=1024)


@pytest.mark.parametrize(
    "junk",
    [
        b"\x00" * 100,
        b'{"format": "workout-mcp-export", "version": 1, "workouts": [{"started_at": 5}]}',
        b'{"format": "workout-mcp-export", "version": 2}',
        b"Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;Distance Unit\n" + b";" * 5000,
        b"title,start_time,exercise_title,set_type\n" + b'"' * 300_000,
        ("Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n" + "x," * 20 + "\n").encode(),
        b"Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n2023-01-01 10:00:00,a,b,1,nan,5\n",
        b"Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n2023-01-01 10:00:00,a,b,1,1e400,5\n",
        b"Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n9999-01-01 10:00:00,a,b,1,1,5\n",
    ],
)
def test_junk_is_refused_with_an_import_problem_never_a_crash(junk: bytes) -> None:
    with pytest.raises(ImportProblem):
        parse_file(junk)
