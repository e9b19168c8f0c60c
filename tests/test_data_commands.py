"""`workout-mcp import` and `workout-mcp export` on the local log, run through the real CLI entry."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from workout_mcp.cli import main

FIXTURES = Path(__file__).parent / "imports" / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.fixture(autouse=True)
def _local_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKOUT_DB_PATH", str(tmp_path / "log.db"))
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_import_prints_a_preview_and_one_summary_line_then_adds_nothing_the_second_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "import", str(FIXTURES / "strong_comma.csv"))
    assert code == 0
    assert out == (
        "imported 3 workouts (12 sets) from strong; 0 already in the log; "
        "new exercises: Zercher Squat (Barbell)\n"
    )
    assert "strong export (strong comma): 3 workouts, 12 sets, 2023-01-15 to 2023-01-19" in err
    assert "new exercises of your own: Zercher Squat (Barbell)" in err
    code, out, _ = run(capsys, "import", str(FIXTURES / "strong_comma.csv"))
    assert out == "imported 0 workouts (0 sets) from strong; 3 already in the log\n"


def test_dry_run_and_a_malformed_file_change_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "import", str(FIXTURES / "hevy_kg.csv"), "--dry-run")
    assert (code, out) == (0, "dry run: 3 workouts, 11 sets would be imported\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes((FIXTURES / "hevy_kg.csv").read_bytes().replace(b'"failure"', b'"bogus"'))
    code, out, err = run(capsys, "import", str(bad))
    assert code == 1 and out == ""
    assert "line 4, column 'set_type'" in err and "Nothing was imported" in err
    code, out, _ = run(capsys, "import", str(FIXTURES / "hevy_kg.csv"), "--source", "strong")
    assert code == 1
    code, out, _ = run(capsys, "export")
    assert json.loads(out)["workouts"] == []


def test_export_json_and_csv_with_a_date_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "import", str(FIXTURES / "hevy_kg.csv"))
    code, out, _ = run(capsys, "export", "--since", "2023-01-16", "--until", "2023-01-16")
    assert code == 0 and [w["title"] for w in json.loads(out)["workouts"]] == ["Run"]
    target = tmp_path / "all.csv"
    code, _, err = run(capsys, "export", "--format", "csv", "--output", str(target))
    assert code == 0 and "exported 3 workouts" in err
    assert len(list(csv.reader(io.StringIO(target.read_text())))) == 12  # header + 11 sets
    code, out, _ = run(capsys, "import", str(target))
    assert out.startswith("imported 0 workouts (0 sets) from workout-mcp; 3 already in the log")
