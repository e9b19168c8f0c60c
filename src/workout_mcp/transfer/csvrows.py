"""Reading an untrusted CSV upload: bounded, decoded once, every record tagged with its line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from workout_mcp.transfer.problems import ImportProblem

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ROWS = 500_000
MAX_CELL_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def decode(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is refused, never guessed."""
    if len(data) > max_bytes:
        raise ImportProblem(
            f"the file is {len(data) // 1024} KB; the limit here is {max_bytes // 1024} KB. "
            "Split it by date range, or import it with `workout-mcp import FILE`."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblem("the file is not UTF-8 text; export it again from the app", line=line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportProblem("the file holds a NUL byte: it is not a CSV or JSON export", line=line)
    return text


def sniff_delimiter(header_line: str) -> str:
    """Strong's older layout separates with semicolons, everything else with commas."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def header_of(text: str) -> tuple[list[str], str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    delimiter = sniff_delimiter(first)
    try:
        names = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return [], delimiter
    return [n.strip() for n in names], delimiter


def rows(text: str, *, max_rows: int = MAX_ROWS) -> Iterator[Row]:
    """Records after the header as column -> text, with the line each record starts on."""
    header, delimiter = header_of(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        next(reader)
    except (csv.Error, StopIteration):
        raise ImportProblem("the file has no header line", line=1) from None
    start = reader.line_num + 1
    count = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportProblem(f"malformed CSV ({exc})", line=start) from None
        line, start = start, reader.line_num + 1
        if not record or all(not cell.strip() for cell in record):
            continue
        count += 1
        if count > max_rows:
            raise ImportProblem(f"more than {max_rows} rows; split the file by date range", line=line)
        if len(record) > len(header):
            extra = [c for c in record[len(header) :] if c.strip()]
            if extra:
                raise ImportProblem(
                    f"{len(record)} cells but the header names {len(header)} columns", line=line
                )
        for name, cell in zip(header, record, strict=False):
            if len(cell) > MAX_CELL_CHARS:
                raise ImportProblem(f"a cell longer than {MAX_CELL_CHARS} characters", line=line, column=name)
        yield Row(line, dict(zip(header, record, strict=False)))
