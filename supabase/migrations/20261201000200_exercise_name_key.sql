-- Exercise names are unique per owner on the key the app compares them by (public.name_key: case
-- folded, surrounding and repeated whitespace ignored), enforced by a unique index.
--
-- Why: the exercises_name_unique trigger checks with a select, which cannot see another transaction's
-- uncommitted row, and the first migration's unique index is on lower(name), which tells "Race Lift"
-- and "race   lift" apart. Two concurrent inserts of those two both committed. An index on the
-- normalised key makes the second one wait for the first and then fail with 23505 (PostgREST 409).
-- The trigger stays: it also refuses an own exercise named like a catalogue one, with a clear message.
--
-- Idempotent: safe to apply twice, and on top of a database where the race already left duplicates.

do $$
declare
    dup record;
begin
    if to_regclass('public.exercises_owner_name_key_norm') is not null then
        return;
    end if;
    -- Rows the race already let in: the oldest keeps its name, later ones get " (2)", " (3)", ... so
    -- the index can be built. Nothing is deleted; logged sets keep pointing at the same rows.
    for dup in
        select id, name, n
        from (
            select e.id, e.name, row_number() over (
                partition by coalesce(e.owner_id, '00000000-0000-0000-0000-000000000000'::uuid),
                             public.name_key(e.name)
                order by e.created_at, e.id
            ) as n
            from public.exercises e
        ) ranked
        where n > 1
    loop
        update public.exercises
        set name = left(dup.name, 80 - char_length(' (' || dup.n || ')')) || ' (' || dup.n || ')'
        where id = dup.id;
    end loop;
end
$$;

create unique index if not exists exercises_owner_name_key_norm
    on public.exercises (
        coalesce(owner_id, '00000000-0000-0000-0000-000000000000'::uuid),
        public.name_key(name)
    );
comment on index public.exercises_owner_name_key_norm is
    'One exercise per owner and normalised name (public.name_key); closes the concurrent-insert race.';
