-- Bulk import (Strong / Hevy / our own export) and full export, in a bounded number of round trips.
--
-- An import of any size is all or nothing across several PostgREST calls:
--   1. `import_stage(p_import_id, p_seq, p_workouts)` once per chunk (the client keeps each body well
--      under a megabyte): the chunk is parked in `import_chunks`, owned by the caller, untouched by
--      anything else;
--   2. `import_commit(p_import_id, p_chunks, p_exercises)` once: in one transaction it checks that every
--      chunk arrived, adds the workouts not already in the log (same start to the second and same
--      title), creates the missing exercises as the caller's own, inserts every set, and drops the
--      staged chunks. If anything fails, the transaction rolls back and the log is as it was.
--   3. `import_abort(p_import_id)` drops a failed import's chunks; chunks older than a day are purged
--      by the next `import_stage` anyway.
-- A workout in a chunk is `{"t": title, "s": started_at, "e": ended_at, "n": notes, "r": rpe,
-- "x": [[exercise index, reps, weight_kg, duration_s, distance_m, rpe, is_warmup], ...]}`, the index
-- pointing into `p_exercises` (`[{"name", "muscle_groups", "equipment", "kind", "own"}]`; `own`
-- marks an exercise the file declares, created even when no new workout uses it).
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
    constraint import_chunks_payload_array check (jsonb_typeof(payload) = 'array')
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

create or replace function public.import_stage(p_import_id uuid, p_seq integer, p_workouts jsonb)
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
    if p_workouts is null or jsonb_typeof(p_workouts) <> 'array' then
        raise exception 'a chunk must be a JSON array of workouts' using errcode = 'P0001';
    end if;
    if jsonb_array_length(p_workouts) > 5000 then
        raise exception 'a chunk holds at most 5000 workouts' using errcode = 'P0001';
    end if;
    delete from public.import_chunks
    where user_id = (select auth.uid()) and created_at < now() - interval '1 day';
    insert into public.import_chunks (import_id, seq, payload) values (p_import_id, p_seq, p_workouts);
    return jsonb_array_length(p_workouts);
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

-- The id of the n-th workout of chunk `seq`: the same in every statement of one commit, so the sets'
-- statement finds the workouts the previous statement inserted.
create or replace function public.import_workout_id(p_import_id uuid, p_seq integer, p_ord bigint)
returns uuid
language sql
immutable
security invoker
set search_path = ''
as $$
    select md5(p_import_id::text || '/' || p_seq || '/' || p_ord)::uuid
$$;

create or replace function public.import_commit(p_import_id uuid, p_chunks integer, p_exercises jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
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

    select count(*), coalesce(sum(jsonb_array_length(c.payload)), 0) into staged, total
    from public.import_chunks c
    where c.user_id = me and c.import_id = p_import_id and c.seq between 0 and p_chunks - 1;
    if staged <> p_chunks then
        raise exception 'import incomplete: % of % chunks arrived; start the import again', staged, p_chunks
            using errcode = 'P0001';
    end if;

    insert into public.workouts (id, title, started_at, ended_at, notes, rpe)
    select public.import_workout_id(p_import_id, c.seq, w.ord),
           w.value ->> 't',
           (w.value ->> 's')::timestamptz,
           (w.value ->> 'e')::timestamptz,
           w.value ->> 'n',
           (w.value ->> 'r')::double precision
    from public.import_chunks c
    cross join lateral jsonb_array_elements(c.payload) with ordinality as w(value, ord)
    where c.user_id = me and c.import_id = p_import_id
      and not exists (
          select 1 from public.workouts old
          where old.user_id = me
            and old.started_at >= date_trunc('second', (w.value ->> 's')::timestamptz)
            and old.started_at < date_trunc('second', (w.value ->> 's')::timestamptz) + interval '1 second'
            and public.name_key(coalesce(old.title, '')) = public.name_key(coalesce(w.value ->> 't', ''))
      );
    get diagnostics added = row_count;

    select coalesce(array_agg(distinct (s.value ->> 0)::integer), '{}') into used
    from public.import_chunks c
    cross join lateral jsonb_array_elements(c.payload) with ordinality as w(value, ord)
    cross join lateral jsonb_array_elements(w.value -> 'x') as s(value)
    join public.workouts nw on nw.id = public.import_workout_id(p_import_id, c.seq, w.ord)
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
        select nw.id,
               ids[(s.value ->> 0)::integer + 1],
               s.ord,
               (s.value ->> 1)::integer,
               (s.value ->> 2)::double precision,
               (s.value ->> 3)::integer,
               (s.value ->> 4)::double precision,
               (s.value ->> 5)::double precision,
               coalesce((s.value ->> 6)::integer = 1, false)
        from public.import_chunks c
        cross join lateral jsonb_array_elements(c.payload) with ordinality as w(value, ord)
        join public.workouts nw on nw.id = public.import_workout_id(p_import_id, c.seq, w.ord)
        cross join lateral jsonb_array_elements(w.value -> 'x') with ordinality as s(value, ord)
        where c.user_id = me and c.import_id = p_import_id;
        get diagnostics set_count = row_count;
    exception
        when check_violation or not_null_violation or invalid_text_representation
             or numeric_value_out_of_range then
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
as $$
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
        'workouts', coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'title', w.title,
                    'started_at', w.started_at,
                    'ended_at', w.ended_at,
                    'notes', w.notes,
                    'rpe', w.rpe,
                    'sets', coalesce((
                        select jsonb_agg(
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
                        )
                        from public.workout_sets s
                        join public.exercises e on e.id = s.exercise_id
                        where s.workout_id = w.id
                    ), '[]'::jsonb)
                )
                order by w.started_at, w.id
            )
            from public.workouts w
            where (p_since is null or w.started_at >= p_since)
              and (p_until is null or w.started_at < p_until)
        ), '[]'::jsonb)
    )
$$;

revoke execute on function
    public.import_stage(uuid, integer, jsonb),
    public.import_abort(uuid),
    public.import_workout_id(uuid, integer, bigint),
    public.import_commit(uuid, integer, jsonb),
    public.export_log(timestamptz, timestamptz)
    from public, anon;
grant execute on function
    public.import_stage(uuid, integer, jsonb),
    public.import_abort(uuid),
    public.import_workout_id(uuid, integer, bigint),
    public.import_commit(uuid, integer, jsonb),
    public.export_log(timestamptz, timestamptz)
    to authenticated, service_role;
