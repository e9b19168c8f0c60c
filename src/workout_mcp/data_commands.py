"""`workout-mcp import FILE` and `workout-mcp export`: moving a whole log in and out from a terminal.

Works on whichever store the settings select (the local SQLite log, or Supabase with the stdio
sign-in settings). The import prints a preview, a progress bar when stderr is a terminal, and one
summary line on stdout; a bad file names its first bad line and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from workout_mcp.store.everything import export_everything, import_everything
from workout_mcp.transfer import SOURCES, ImportProblem, Preview, parse_file
from workout_mcp.transfer.csvrows import MAX_FILE_BYTES


def register(sub: Any) -> None:
    """Add the `import` and `export` sub-commands to the CLI's sub-parsers."""
    imp = sub.add_parser("import", help="import a Strong, Hevy or workout-mcp export into your log")
    imp.add_argument("file", help="the exported file (CSV or JSON); - reads standard input")
    imp.add_argument("--source", choices=SOURCES, default="auto", help="which app wrote it (default: auto)")
    imp.add_argument("--dry-run", action="store_true", help="show what would be imported, save nothing")
    imp.add_argument(
        "--weight-unit",
        choices=("kg", "lb"),
        default="kg",
        help="Strong's comma layout: the app's weight unit",
    )
    imp.add_argument(
        "--distance-unit",
        choices=("km", "mi", "m"),
        default="km",
        help="Strong's comma layout: distance unit",
    )
    imp.add_argument("--timezone", default="UTC", help="where the workouts happened (IANA name; default UTC)")
    imp.set_defaults(handler=run_import)
    exp = sub.add_parser("export", help="write your whole log as CSV (one row per set) or JSON")
    exp.add_argument("--format", choices=("csv", "json"), default="json")
    exp.add_argument("--since", type=date.fromisoformat, help="first day to include (YYYY-MM-DD)")
    exp.add_argument("--until", type=date.fromisoformat, help="last day to include (YYYY-MM-DD)")
    exp.add_argument("--output", "-o", help="write here instead of standard output")
    exp.set_defaults(handler=run_export)


def describe(preview: Preview) -> list[str]:
    """The preview as lines a person reads (the CLI's and the page's wording)."""
    span = ""
    if preview.first_workout and preview.last_workout:
        span = f", {preview.first_workout.date()} to {preview.last_workout.date()}"
    lines = [
        f"{preview.source} export ({preview.layout}): {preview.workouts} workouts, {preview.sets} sets{span}"
    ]
    if preview.units:
        lines.append("units: " + "; ".join(preview.units) + " (stored as kg, metres, seconds)")
    if preview.mapped_exercises:
        lines.append(f"{len(preview.mapped_exercises)} exercise names matched to the catalogue")
    if preview.unmatched_exercises:
        lines.append("new exercises of your own: " + ", ".join(preview.unmatched_exercises))
    for reason, count in preview.skipped_rows.items():
        lines.append(f"left out: {count} {reason}")
    lines.extend(preview.warnings)
    return lines


class _Bar:
    def __init__(self, out: TextIO) -> None:
        self.out, self.live = out, out.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.live:
            filled = 30 * done // max(total, 1)
            self.out.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            if done >= total:
                self.out.write("\n")
            self.out.flush()


def _store_settings() -> Any:
    from workout_mcp.server import settings_or_exit

    settings = settings_or_exit()
    # A terminal command signs in the stdio way (SUPABASE_EMAIL/PASSWORD or a refresh token).
    return settings.model_copy(update={"mcp_transport": "stdio"})


async def _with_store(work: Any) -> int:
    import httpx

    from workout_mcp.store.base import StoreError
    from workout_mcp.store.selection import open_store

    settings = _store_settings()
    async with httpx.AsyncClient(timeout=max(settings.upstream_timeout_seconds, 60)) as client:
        store = open_store(settings, client)
        try:
            code: int = await work(store)
            return code
        except StoreError as exc:
            print(f"workout-mcp: {exc}", file=sys.stderr)
            return 1
        finally:
            await store.aclose()


def run_import(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            with Path(args.file).open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        print(f"workout-mcp: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        parsed = parse_file(
            data,
            source=args.source,
            weight_unit=args.weight_unit,
            distance_unit=args.distance_unit,
            timezone=args.timezone,
        )
    except ImportProblem as exc:
        print(f"workout-mcp: {args.file}: {exc}. Nothing was imported.", file=sys.stderr)
        return 1
    for line in describe(parsed.preview):
        print(line, file=sys.stderr)
    if args.dry_run:
        print(f"dry run: {parsed.preview.workouts} workouts, {parsed.preview.sets} sets would be imported")
        return 0

    async def work(store: Any) -> int:
        outcome = await import_everything(store, parsed.batch, progress=_Bar(sys.stderr))
        created = (
            f"; new exercises: {', '.join(outcome.exercises_created)}" if outcome.exercises_created else ""
        )
        added = f"imported {outcome.workouts_added} workouts ({outcome.sets_added} sets)"
        print(f"{added} from {parsed.preview.source}; {outcome.workouts_skipped} already in the log{created}")
        return 0

    return asyncio.run(_with_store(work))


def day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def run_export(args: argparse.Namespace) -> int:
    from workout_mcp.transfer import export_csv, native

    if args.since and args.until and args.until < args.since:
        print("workout-mcp: --until must not be before --since", file=sys.stderr)
        return 2

    written: list[tuple[str, int]] = []

    async def work(store: Any) -> int:
        log = await export_everything(
            store,
            since=day_start(args.since),
            until=day_start(args.until + timedelta(days=1)) if args.until else None,
        )
        written.append(
            (export_csv.dumps(log) if args.format == "csv" else native.dumps(log), len(log.workouts))
        )
        return 0

    code = asyncio.run(_with_store(work))
    if code or not written:
        return code or 1
    text, count = written[0]
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"exported {count} workouts to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
