-- Bulk import (Strong / Hevy / our own export) and full export, in a bounded number of round trips.
--
-- An import of any size is all or nothing across several PostgREST calls:
--   1. `import_stage(p_import_id, p_seq, p_chunk)` once per chunk (the client keeps each body well
--      under a megabyte): the chunk is parked in `import_chunks`, owned by the caller, untouched by
--      anything else;
--   2. `import_commit(p_import_id, p_chunks, p_exercises)` once: in one transaction it checks that every
--      chunk arrived, adds the workouts not already in the log (same start to the second and same
--      title), creates the missing exercises as the caller's own, inserts every set, and drops the
--      staged chunks. If anything fails, the transaction rolls back and the log is as it was.
--   3. `import_abort(p_import_id)` drops a failed import's chunks; chunks older than a day are purged
--      by the next `import_stage` anyway.
-- A chunk is `{"w": [{"t": title, "s": started_at, "e": ended_at, "n": notes, "r": rpe}, ...],
-- "x": {"i": [...], "e": [...], "p": [...], "r": [...], "kg": [...], "d": [...], "m": [...],
-- "rpe": [...], "u": [...]}}`: the sets as columns (workout number in the chunk from 1, exercise index,
-- position, reps, weight_kg, duration_s, distance_m, rpe, warm-up 0/1), which `unnest` reads back
-- far faster than one JSON object per set. The exercise index points into `p_exercises`
-- (`[{"name", "muscle_groups", "equipment", "kind", "own"}]`; `own` marks an exercise the file
-- declares, created even when no new workout uses it).
--
-- Deleted workouts (the training-log migration's `deleted_at`, restorable for 30 days) still count as
-- "already in the log" for duplicates, so re-importing a file never resurrects or doubles them; the
-- export leaves them out. This migration therefore runs after 20261201000100_training_log.sql.
--
-- Everything runs as the caller (security invoker): Row Level Security, forced on `import_chunks`
-- like every other table, decides. Idempotent: safe to apply twice.

create table if not exists public.import_chunks (
    import_id uuid not null,
    seq integer not null,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    payload jsonb not null,
    created_at timestamptz not null default now(),
    constraint import_chunks_pkey primary key (user_id, import_id, seq),
    constraint import_chunks_seq_range check (seq between 0 and 9999),
    constraint import_chunks_payload_object check (jsonb_typeof(payload) = 'object')
);
comment on table public.import_chunks is
    'Staged chunks of one bulk import, until import_commit moves them into the log in one transaction.';

alter table public.import_chunks enable row level security;
alter table public.import_chunks force row level security;

drop policy if exists import_chunks_select on public.import_chunks;
create policy import_chunks_select on public.import_chunks for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists import_chunks_insert on public.import_chunks;
create policy import_chunks_insert on public.import_chunks for insert to authenticated
    with check (user_id = (select auth.uid()));
drop policy if exists import_chunks_delete on public.import_chunks;
create policy import_chunks_delete on public.import_chunks for delete to authenticated
    using (user_id = (select auth.uid()));

revoke all on public.import_chunks from anon;
grant select, insert, delete on public.import_chunks to authenticated;
grant all on public.import_chunks to service_role;

create or replace function public.import_stage(p_import_id uuid, p_seq integer, p_chunk jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if auth.uid() is null then
        raise exception 'sign in first' using errcode = '42501';
    end if;
    if p_chunk is null or jsonb_typeof(p_chunk) <> 'object' or jsonb_typeof(p_chunk -> 'w') <> 'array'
       or jsonb_typeof(p_chunk -> 'x') <> 'object' then
        raise exception 'a chunk must be {"w": [workouts], "x": {set columns}}' using errcode = 'P0001';
    end if;
    if jsonb_array_length(p_chunk -> 'w') > 5000 then
        raise exception 'a chunk holds at most 5000 workouts' using errcode = 'P0001';
    end if;
    delete from public.import_chunks
    where user_id = (select auth.uid()) and created_at < now() - interval '1 day';
    insert into public.import_chunks (import_id, seq, payload) values (p_import_id, p_seq, p_chunk);
    return jsonb_array_length(p_chunk -> 'w');
end;
$$;

create or replace function public.import_abort(p_import_id uuid)
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
    with gone as (
        delete from public.import_chunks
        where user_id = (select auth.uid()) and import_id = p_import_id
        returning 1
    )
    select count(*)::integer from gone
$$;

create or replace function public.import_commit(p_import_id uuid, p_chunks integer, p_exercises jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
-- Supabase gives `authenticated` 8 s per statement; PostgREST applies a function's own setting, and a
-- decade of sets (60,000 rows through Row Level Security) needs more than that on a small instance.
set statement_timeout = '60s'
as $$
declare
    me uuid := auth.uid();
    staged integer;
    total integer;
    added integer;
    set_count integer;
    used integer[];
    ids uuid[] := '{}';
    created text[] := '{}';
    item jsonb;
    idx bigint;
    ex public.exercises;
begin
    if me is null then
        raise exception 'sign in first' using errcode = '42501';
    end if;
    if p_exercises is null or jsonb_typeof(p_exercises) <> 'array' then
        raise exception 'the exercises must be a JSON array' using errcode = 'P0001';
    end if;
    -- One import at a time per person: two uploads of the same file must not both add it.
    perform pg_advisory_xact_lock(hashtextextended('workout-mcp import ' || me::text, 0));

    select count(*), coalesce(sum(jsonb_array_length(c.payload -> 'w')), 0) into staged, total
    from public.import_chunks c
    where c.user_id = me and c.import_id = p_import_id and c.seq between 0 and p_chunks - 1;
    if staged <> p_chunks then
        raise exception 'import incomplete: % of % chunks arrived; start the import again', staged, p_chunks
            using errcode = 'P0001';
    end if;

    -- A staged workout's id is fixed before the insert (md5 of import id, chunk and place), so the
    -- statements after it find exactly the workouts this commit added.
    -- Workouts not yet in the log: a hash anti-join on (start to the second, title key), both sides
    -- computed once, so a second import of ten years costs milliseconds, not a comparison per pair.
    with incoming as materialized (
        select md5(p_import_id::text || '/' || c.seq || '/' || w.ord)::uuid as id,
               w.value as v,
               (w.value ->> 's')::timestamptz as started,
               public.name_key(coalesce(w.value ->> 't', '')) as tkey
        from public.import_chunks c
        cross join lateral jsonb_array_elements(c.payload -> 'w') with ordinality as w(value, ord)
        where c.user_id = me and c.import_id = p_import_id
    ), existing as materialized (
        select date_trunc('second', o.started_at) as s0, public.name_key(coalesce(o.title, '')) as tkey
        from public.workouts o
        where o.user_id = me
    ), added_rows as (
        insert into public.workouts (id, title, started_at, ended_at, notes, rpe)
        select i.id, i.v ->> 't', i.started, (i.v ->> 'e')::timestamptz, i.v ->> 'n',
               (i.v ->> 'r')::double precision
        from incoming i
        where not exists (
            select 1 from existing e where e.s0 = date_trunc('second', i.started) and e.tkey = i.tkey
        )
        returning id
    )
    select count(*) into added from added_rows;

    select coalesce(array_agg(distinct x.e), '{}') into used
    from public.import_chunks c
    cross join lateral unnest(
        translate(c.payload -> 'x' ->> 'i', '[]', '{}')::bigint[],
        translate(c.payload -> 'x' ->> 'e', '[]', '{}')::integer[]
    ) as x(i, e)
    join public.workouts nw on nw.id = md5(p_import_id::text || '/' || c.seq || '/' || x.i)::uuid
    where c.user_id = me and c.import_id = p_import_id;

    for item, idx in select value, ordinality - 1 from jsonb_array_elements(p_exercises) with ordinality
    loop
        ex := public.resolve_exercise(item ->> 'name');
        if ex.id is null and (idx::integer = any (used) or coalesce((item ->> 'own')::boolean, false)) then
            insert into public.exercises (name, muscle_groups, equipment, kind)
            values (
                item ->> 'name',
                coalesce(array(select jsonb_array_elements_text(item -> 'muscle_groups')), '{}'),
                item ->> 'equipment',
                coalesce(item ->> 'kind', 'strength')
            )
            returning * into ex;
            created := created || ex.name;
        end if;
        ids := ids || ex.id;
    end loop;

    begin
        insert into public.workout_sets (
            workout_id, exercise_id, position, reps, weight_kg, duration_s, distance_m, rpe, is_warmup
        )
        select nw.id, ids[x.e + 1], x.p, x.r, x.kg, x.d, x.m, x.rpe, x.u = 1
        from public.import_chunks c
        cross join lateral unnest(
            translate(c.payload -> 'x' ->> 'i', '[]', '{}')::bigint[],
            translate(c.payload -> 'x' ->> 'e', '[]', '{}')::integer[],
            translate(c.payload -> 'x' ->> 'p', '[]', '{}')::integer[],
            translate(c.payload -> 'x' ->> 'r', '[]', '{}')::integer[],
            translate(c.payload -> 'x' ->> 'kg', '[]', '{}')::double precision[],
            translate(c.payload -> 'x' ->> 'd', '[]', '{}')::integer[],
            translate(c.payload -> 'x' ->> 'm', '[]', '{}')::double precision[],
            translate(c.payload -> 'x' ->> 'rpe', '[]', '{}')::double precision[],
            translate(c.payload -> 'x' ->> 'u', '[]', '{}')::integer[]
        ) as x(i, e, p, r, kg, d, m, rpe, u)
        join public.workouts nw on nw.id = md5(p_import_id::text || '/' || c.seq || '/' || x.i)::uuid
        where c.user_id = me and c.import_id = p_import_id;
        get diagnostics set_count = row_count;
    exception
        when check_violation or not_null_violation or invalid_text_representation
             or numeric_value_out_of_range or array_subscript_error then
            raise exception 'a set: %', sqlerrm using errcode = sqlstate;
    end;

    delete from public.import_chunks where user_id = me and import_id = p_import_id;
    return jsonb_build_object(
        'workouts_added', added,
        'sets_added', set_count,
        'workouts_skipped', total - added,
        'exercises_created', to_jsonb(created)
    );
end;
$$;

-- The caller's own exercises and every workout started in [p_since, p_until), oldest first, as one
-- jsonb value (PostgREST's max-rows cap never applies to it).
create or replace function public.export_log(p_since timestamptz default null, p_until timestamptz default null)
returns jsonb
language sql
stable
security invoker
set search_path = ''
set statement_timeout = '60s'
-- Right after a big import the planner has no statistics and guesses one row everywhere; a nested
-- loop over "one" workout then re-scans every set per workout. Hash joins are linear whatever it guesses.
set enable_nestloop = off
as $$
    -- One join and one grouping, no sub-query per workout.
    with picked as materialized (
        select w.id, w.title, w.started_at, w.ended_at, w.notes, w.rpe
        from public.workouts w
        where w.deleted_at is null
          and (p_since is null or w.started_at >= p_since)
          and (p_until is null or w.started_at < p_until)
    ), whole as (
        select p.id, p.started_at,
               jsonb_build_object(
                   'title', p.title,
                   'started_at', p.started_at,
                   'ended_at', p.ended_at,
                   'notes', p.notes,
                   'rpe', p.rpe,
                   'sets', coalesce(
                       jsonb_agg(
                           jsonb_build_object(
                               'exercise', e.name,
                               'reps', s.reps,
                               'weight_kg', s.weight_kg,
                               'duration_s', s.duration_s,
                               'distance_m', s.distance_m,
                               'rpe', s.rpe,
                               'is_warmup', s.is_warmup
                           )
                           order by s.position
                       ) filter (where s.id is not null),
                       '[]'::jsonb
                   )
               ) as doc
        from picked p
        left join public.workout_sets s on s.workout_id = p.id
        left join public.exercises e on e.id = s.exercise_id
        group by p.id, p.title, p.started_at, p.ended_at, p.notes, p.rpe
    )
    select jsonb_build_object(
        'exercises', coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'name', e.name, 'muscle_groups', to_jsonb(e.muscle_groups),
                    'equipment', e.equipment, 'kind', e.kind
                )
                order by public.name_key(e.name)
            )
            from public.exercises e
            where e.owner_id = (select auth.uid())
        ), '[]'::jsonb),
        'workouts', coalesce((select jsonb_agg(w.doc order by w.started_at, w.id) from whole w), '[]'::jsonb)
    )
$$;

revoke execute on function
    public.import_stage(uuid, integer, jsonb),
    public.import_abort(uuid),
    public.import_commit(uuid, integer, jsonb),
    public.export_log(timestamptz, timestamptz)
    from public, anon;
grant execute on function
    public.import_stage(uuid, integer, jsonb),
    public.import_abort(uuid),
    public.import_commit(uuid, integer, jsonb),
    public.export_log(timestamptz, timestamptz)
    to authenticated, service_role;
