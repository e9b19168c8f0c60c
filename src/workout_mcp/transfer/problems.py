"""The one error an import raises: it names the first bad place in the file and how to fix it."""

from __future__ import annotations


class ImportProblem(ValueError):
    """The file cannot be imported as given; nothing was saved."""

    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None) -> None:
        self.reason, self.line, self.column = reason, line, column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)
