"""`import_workouts` and `export_workouts`: a file pasted into a chat in, a bounded export out.

Both are thin: the parsing is `workout_mcp.transfer`, the saving is the store's all-or-nothing
`import_batch`. Anything larger than a chat can carry goes through `workout-mcp import FILE` or, on
a remote server, the `/account` page, and the answers say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from workout_mcp.config import Settings
from workout_mcp.domain.base import Model
from workout_mcp.domain.transfer import ImportOutcome, LogExport
from workout_mcp.store.base import StoreError, WorkoutStore
from workout_mcp.store.everything import export_everything, import_everything
from workout_mcp.transfer import ImportProblem, Preview, export_csv, native, parse_file

MAX_IMPORT_CHARS = 400_000  # far below MAX_BODY_BYTES once JSON-escaped
MAX_EXPORT_CHARS = 100_000  # far below Claude's ~150k-character tool-result cap


class ImportReport(Model):
    preview: Preview
    saved: ImportOutcome | None = Field(None, description="what was saved; null for a dry run")


class ExportResult(Model):
    format: Literal["json", "csv"]
    workouts: int = Field(description="workouts in `text`")
    workouts_in_range: int
    complete: bool = Field(description="false when only the newest workouts fit in one answer")
    text: str
    note: str | None = None


def _elsewhere(settings: Settings) -> str:
    if settings.auth_enabled:
        return f"the {settings.public_url}/account page"
    return "`workout-mcp export` / `workout-mcp import FILE` on the computer that holds the log"


def _day(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _render(log: LogExport, fmt: str) -> str:
    return export_csv.dumps(log) if fmt == "csv" else native.dumps(log)


def register_transfer_tools(mcp: MCPServer, store: WorkoutStore, settings: Settings) -> None:
    """`export_workouts` always; `import_workouts` only when writes are allowed (not READ_ONLY)."""
    elsewhere = _elsewhere(settings)

    @mcp.tool(title="Export workouts", annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False))
    async def export_workouts(
        format: Annotated[Literal["json", "csv"], Field(description="json (re-importable) or csv")] = "csv",
        since: Annotated[date | None, Field(None, description="first day to include (YYYY-MM-DD)")] = None,
        until: Annotated[date | None, Field(None, description="last day to include (YYYY-MM-DD)")] = None,
    ) -> ExportResult:
        """The log as CSV (one row per set, weights kg) or JSON; the newest workouts that fit one answer."""
        if since and until and until < since:
            raise ToolError("until must not be before since")
        end = _day(until + timedelta(days=1)) if until else None
        try:
            log = await export_everything(store, since=_day(since), until=end)
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        text, kept = _render(log, format), len(log.workouts)
        while len(text) > MAX_EXPORT_CHARS and kept > 0:
            kept = kept * MAX_EXPORT_CHARS // len(text) if kept > 1 else 0
            text = _render(
                log.model_copy(update={"workouts": log.workouts[len(log.workouts) - kept :]}), format
            )
        complete = kept == len(log.workouts)
        return ExportResult(
            format=format,
            workouts=kept,
            workouts_in_range=len(log.workouts),
            complete=complete,
            text=text,
            note=None
            if complete
            else f"only the newest {kept} workouts fit here; everything is on {elsewhere}",
        )

    if settings.read_only:
        return

    @mcp.tool(
        title="Import workouts", annotations=ToolAnnotations(destructiveHint=False, idempotentHint=True)
    )
    async def import_workouts(
        csv: Annotated[str, Field(description="the whole exported file: Strong or Hevy CSV, or our JSON")],
        source: Annotated[
            Literal["auto", "strong", "hevy", "workout-mcp"], Field(description="which app wrote it")
        ] = "auto",
        dry_run: Annotated[bool, Field(description="only preview; save nothing")] = False,
        weight_unit: Annotated[
            Literal["kg", "lb"],
            Field(description="Strong's comma CSV does not say its unit: the app setting"),
        ] = "kg",
        timezone: Annotated[str, Field(max_length=64, description="IANA zone the workouts were in")] = "UTC",
    ) -> ImportReport:
        """Import a Strong/Hevy export (all or nothing). Sessions already in the log are skipped."""
        if len(csv) > MAX_IMPORT_CHARS:
            raise ToolError(
                f"this file is {len(csv):,} characters; a chat can import up to {MAX_IMPORT_CHARS:,}. "
                f"Import it whole with {elsewhere}, or paste it in parts by date range."
            )
        try:
            parsed = parse_file(
                csv.encode("utf-8"), source=source, weight_unit=weight_unit, timezone=timezone
            )
        except ImportProblem as exc:
            raise ToolError(f"{exc}. Nothing was imported.") from None
        if dry_run:
            return ImportReport(preview=parsed.preview)
        try:
            saved = await import_everything(store, parsed.batch)
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        return ImportReport(preview=parsed.preview, saved=saved)
