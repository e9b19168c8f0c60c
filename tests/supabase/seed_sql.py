"""Render `supabase/seed.sql` from the one catalogue in `workout_mcp.store.catalogue`.

Regenerate after changing the catalogue:  .venv/bin/python -m tests.supabase.seed_sql > supabase/seed.sql
"""

from __future__ import annotations

from workout_mcp.store.catalogue import CATALOGUE, catalogue_id

HEADER = """\
-- The shared exercise catalogue (owner_id is null). GENERATED from src/workout_mcp/store/catalogue.py
-- by `python -m tests.supabase.seed_sql`; a test fails when the two disagree. Ids are stable uuid5
-- values, so re-running this file updates entries in place and never duplicates them.

insert into public.exercises (id, owner_id, name, muscle_groups, equipment, kind)
values
"""

FOOTER = """\
on conflict (id) do update
    set name = excluded.name,
        muscle_groups = excluded.muscle_groups,
        equipment = excluded.equipment,
        kind = excluded.kind
    where public.exercises.owner_id is null;
"""


def _literal(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def render_seed() -> str:
    rows = []
    for entry in CATALOGUE:
        groups = "array[" + ", ".join(_literal(g) for g in entry.muscle_groups) + "]::text[]"
        rows.append(
            f"    ('{catalogue_id(entry.name)}', null, {_literal(entry.name)}, {groups}, "
            f"{_literal(entry.equipment)}, {_literal(entry.kind)})"
        )
    return HEADER + ",\n".join(rows) + "\n" + FOOTER


if __name__ == "__main__":
    print(render_seed(), end="")
