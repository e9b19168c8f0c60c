-- workout-mcp training log: edit as you go, undo (soft delete, 30 days), retried log_workout,
-- plans of sessions, records board, body weight.
--
-- Builds on 20261122000000_workout_schema.sql, which stays as released. Every new table has Row
-- Level Security enabled and forced with one policy per operation; every function is SECURITY
-- INVOKER (RLS applies) and answers one jsonb value, so each tool is one PostgREST round trip and
-- the max-rows cap never truncates. Idempotent: safe to apply twice.

-- ---------------------------------------------------------------------------------------------
-- Columns and tables
-- ---------------------------------------------------------------------------------------------

alter table public.workouts add column if not exists deleted_at timestamptz;
alter table public.workouts add column if not exists plan_id uuid;
alter table public.workouts add column if not exists plan_session text;
alter table public.workouts add column if not exists idempotency_key text;
alter table public.workouts add column if not exists request_hash text;

alter table public.plans add column if not exists updated_at timestamptz not null default now();
alter table public.plan_items add column if not exists session_position integer not null default 1;
alter table public.plan_items add column if not exists session_name text not null default 'A';
alter table public.plan_items add column if not exists target_rpe double precision;

create table if not exists public.body_weights (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    weight_kg double precision not null,
    measured_at timestamptz not null,
    note text,
    created_at timestamptz not null default now(),
    constraint body_weights_weight_range check (weight_kg between 20 and 400),
    constraint body_weights_note_length check (note is null or char_length(note) <= 200),
    constraint body_weights_user_measured_key unique (user_id, measured_at)
);
comment on table public.body_weights is 'Body-weight measurements, one per moment per user (kg, UTC).';

do $$
begin
    if not exists (select 1 from pg_constraint where conname = 'workouts_plan_id_fkey') then
        alter table public.workouts add constraint workouts_plan_id_fkey
            foreign key (plan_id) references public.plans (id) on delete set null;
    end if;
    if not exists (select 1 from pg_constraint where conname = 'workouts_plan_session_length') then
        alter table public.workouts add constraint workouts_plan_session_length
            check (plan_session is null or char_length(plan_session) between 1 and 40);
    end if;
    if not exists (select 1 from pg_constraint where conname = 'workouts_idempotency_key_length') then
        alter table public.workouts add constraint workouts_idempotency_key_length
            check (idempotency_key is null or char_length(idempotency_key) between 1 and 100);
    end if;
    if not exists (select 1 from pg_constraint where conname = 'workouts_request_hash_format') then
        alter table public.workouts add constraint workouts_request_hash_format
            check (request_hash is null or request_hash ~ '^[0-9a-f]{64}$');
    end if;
    if not exists (select 1 from pg_constraint where conname = 'plan_items_session_position_positive') then
        alter table public.plan_items add constraint plan_items_session_position_positive
            check (session_position >= 1);
    end if;
    if not exists (select 1 from pg_constraint where conname = 'plan_items_session_name_length') then
        alter table public.plan_items add constraint plan_items_session_name_length
            check (char_length(btrim(session_name)) between 1 and 40);
    end if;
    if not exists (select 1 from pg_constraint where conname = 'plan_items_target_rpe_range') then
        alter table public.plan_items add constraint plan_items_target_rpe_range
            check (target_rpe is null or target_rpe between 1 and 10);
    end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------------------------

create unique index if not exists workouts_user_idempotency_key
    on public.workouts (user_id, idempotency_key) where idempotency_key is not null;
create index if not exists workouts_user_request_hash_idx
    on public.workouts (user_id, request_hash, created_at) where request_hash is not null;
create index if not exists workouts_user_deleted_idx
    on public.workouts (user_id, deleted_at) where deleted_at is not null;
create index if not exists workouts_plan_idx
    on public.workouts (plan_id, plan_session) where plan_id is not null;
create unique index if not exists plans_user_name_key on public.plans (user_id, public.name_key(title));
create index if not exists plans_user_updated_idx on public.plans (user_id, updated_at desc);
create index if not exists body_weights_user_measured_idx on public.body_weights (user_id, measured_at);

-- ---------------------------------------------------------------------------------------------
-- Row Level Security
-- ---------------------------------------------------------------------------------------------

alter table public.body_weights enable row level security;
alter table public.body_weights force row level security;

drop policy if exists body_weights_select on public.body_weights;
create policy body_weights_select on public.body_weights for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists body_weights_insert on public.body_weights;
create policy body_weights_insert on public.body_weights for insert to authenticated
    with check (user_id = (select auth.uid()));
drop policy if exists body_weights_update on public.body_weights;
create policy body_weights_update on public.body_weights for update to authenticated
    using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
drop policy if exists body_weights_delete on public.body_weights;
create policy body_weights_delete on public.body_weights for delete to authenticated
    using (user_id = (select auth.uid()));

-- A workout may follow only the caller's own plan (a foreign key alone would accept anyone's id).
drop policy if exists workouts_insert on public.workouts;
create policy workouts_insert on public.workouts for insert to authenticated
    with check (
        user_id = (select auth.uid())
        and (plan_id is null or exists (
            select 1 from public.plans p where p.id = plan_id and p.user_id = (select auth.uid())
        ))
    );
drop policy if exists workouts_update on public.workouts;
create policy workouts_update on public.workouts for update to authenticated
    using (user_id = (select auth.uid()))
    with check (
        user_id = (select auth.uid())
        and (plan_id is null or exists (
            select 1 from public.plans p where p.id = plan_id and p.user_id = (select auth.uid())
        ))
    );

revoke all on public.body_weights from anon;
grant select, insert, update, delete on public.body_weights to authenticated;
grant all on public.body_weights to service_role;

-- ---------------------------------------------------------------------------------------------
-- Reads: deleted workouts never count
-- ---------------------------------------------------------------------------------------------

create or replace function public.get_workout(p_workout_id text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select jsonb_build_object(
        'id', w.id,
        'title', w.title,
        'started_at', w.started_at,
        'ended_at', w.ended_at,
        'notes', w.notes,
        'rpe', w.rpe,
        'plan_id', w.plan_id,
        'plan_session', w.plan_session,
        'sets', coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'id', s.id,
                    'exercise_id', s.exercise_id,
                    'exercise_name', e.name,
                    'position', s.position,
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
    from public.workouts w
    where p_workout_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      and w.id = p_workout_id::uuid
      and w.deleted_at is null
$$;

create or replace function public.list_workouts(
    p_since timestamptz default null,
    p_until timestamptz default null,
    p_limit integer default 20,
    p_offset integer default 0
)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    with picked as (
        select w.*
        from public.workouts w
        where w.deleted_at is null
          and (p_since is null or w.started_at >= p_since)
          and (p_until is null or w.started_at < p_until)
    ), page as (
        select p.*
        from picked p
        order by p.started_at desc, p.id desc
        limit greatest(least(coalesce(p_limit, 20), 1000), 0)
        offset greatest(coalesce(p_offset, 0), 0)
    )
    select jsonb_build_object(
        'total', (select count(*) from picked),
        'items', coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'id', p.id,
                    'title', p.title,
                    'started_at', p.started_at,
                    'ended_at', p.ended_at,
                    'set_count', (select count(*) from public.workout_sets s where s.workout_id = p.id),
                    'exercise_names', coalesce((
                        select jsonb_agg(n.name order by n.first_position)
                        from (
                            select e.name, min(s.position) as first_position
                            from public.workout_sets s
                            join public.exercises e on e.id = s.exercise_id
                            where s.workout_id = p.id
                            group by e.name
                        ) n
                    ), '[]'::jsonb),
                    'volume_kg', coalesce((
                        select sum(s.reps * s.weight_kg)
                        from public.workout_sets s
                        where s.workout_id = p.id and not s.is_warmup
                    ), 0)
                )
                order by p.started_at desc, p.id desc
            )
            from page p
        ), '[]'::jsonb)
    )
$$;

create or replace function public.exercise_history(
    p_exercise text,
    p_since timestamptz default null,
    p_limit integer default 50,
    p_offset integer default 0
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    ex public.exercises;
    result jsonb;
begin
    ex := public.resolve_exercise(p_exercise);
    if ex.id is null then
        raise exception 'unknown exercise "%"', p_exercise using errcode = 'PT404';
    end if;
    with picked as (
        select s, w, s.position as pos, w.started_at, w.id as wid
        from public.workout_sets s
        join public.workouts w on w.id = s.workout_id
        where s.exercise_id = ex.id and w.deleted_at is null
          and (p_since is null or w.started_at >= p_since)
    ), page as (
        select * from picked
        order by started_at desc, wid desc, pos
        limit greatest(least(coalesce(p_limit, 50), 1000), 0)
        offset greatest(coalesce(p_offset, 0), 0)
    )
    select jsonb_build_object(
        'exercise', public.exercise_json(ex),
        'total', (select count(*) from picked),
        'items', coalesce(
            (select jsonb_agg(public.set_record_json(page.s, page.w, ex)
                              order by page.started_at desc, page.wid desc, page.pos) from page),
            '[]'::jsonb
        )
    ) into result;
    return result;
end;
$$;

create or replace function public.exercise_sets(p_exercise text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    ex public.exercises;
    result jsonb;
begin
    ex := public.resolve_exercise(p_exercise);
    if ex.id is null then
        raise exception 'unknown exercise "%"', p_exercise using errcode = 'PT404';
    end if;
    select jsonb_build_object(
        'exercise', public.exercise_json(ex),
        'sets', coalesce(
            jsonb_agg(public.set_record_json(s, w, ex) order by w.started_at, w.id, s.position),
            '[]'::jsonb
        )
    ) into result
    from public.workout_sets s
    join public.workouts w on w.id = s.workout_id
    where s.exercise_id = ex.id and w.deleted_at is null;
    return result;
end;
$$;

create or replace function public.sets_between(p_since timestamptz, p_until timestamptz)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select coalesce(
        jsonb_agg(public.set_record_json(s, w, e) order by w.started_at, w.id, s.position),
        '[]'::jsonb
    )
    from public.workouts w
    join public.workout_sets s on s.workout_id = w.id
    join public.exercises e on e.id = s.exercise_id
    where w.deleted_at is null and w.started_at >= p_since and w.started_at < p_until
$$;

-- One line per exercise: the heaviest working set and the best Epley e1RM (1-12 reps), the earliest
-- set winning a tie (the choices of the server's personal_records); the newest record first.
create or replace function public.records_board(p_limit integer default 25, p_offset integer default 0)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    with mine as (
        select s.exercise_id, s.workout_id, s.position, s.reps, s.weight_kg, s.is_warmup, w.started_at
        from public.workout_sets s
        join public.workouts w on w.id = s.workout_id
        where w.deleted_at is null
    ), loaded as (
        select m.*, case when m.reps = 1 then m.weight_kg
                         when m.reps between 2 and 12
                             then m.weight_kg * (1 + m.reps::double precision / 30) end as e1rm
        from mine m
        where not m.is_warmup and m.weight_kg is not null and m.reps >= 1
    ), heavy as (
        select l.*, row_number() over (
            partition by l.exercise_id
            order by l.weight_kg desc, l.reps desc, l.started_at, l.workout_id, l.position
        ) as rn
        from loaded l
    ), best as (
        select l.*, row_number() over (
            partition by l.exercise_id order by l.e1rm desc, l.started_at, l.workout_id, l.position
        ) as rn
        from loaded l
        where l.e1rm is not null
    ), per_exercise as (
        select m.exercise_id, count(distinct m.workout_id) as sessions,
               count(*) filter (where not m.is_warmup) as working_sets, max(m.started_at) as last_at
        from mine m
        group by m.exercise_id
    ), board as (
        select p.*, e.name, public.name_key(e.name) as nkey,
               h.weight_kg as h_weight, h.reps as h_reps, h.started_at as h_at, h.workout_id as h_workout,
               b.e1rm, b.weight_kg as b_weight, b.reps as b_reps, b.started_at as b_at,
               b.workout_id as b_workout,
               coalesce(greatest(h.started_at, b.started_at), p.last_at) as record_at
        from per_exercise p
        join public.exercises e on e.id = p.exercise_id
        left join heavy h on h.exercise_id = p.exercise_id and h.rn = 1
        left join best b on b.exercise_id = p.exercise_id and b.rn = 1
    ), page as (
        select * from board
        order by record_at desc, nkey, exercise_id
        limit greatest(least(coalesce(p_limit, 25), 1000), 0)
        offset greatest(coalesce(p_offset, 0), 0)
    )
    select jsonb_build_object(
        'total', (select count(*) from per_exercise),
        'items', coalesce((
            select jsonb_agg(jsonb_build_object(
                'exercise_id', page.exercise_id,
                'exercise_name', page.name,
                'sessions', page.sessions,
                'working_sets', page.working_sets,
                'last_performed_at', page.last_at,
                'heaviest_weight_kg', page.h_weight,
                'heaviest_reps', page.h_reps,
                'heaviest_at', page.h_at,
                'heaviest_workout_id', page.h_workout,
                'e1rm_kg', page.e1rm,
                'e1rm_weight_kg', page.b_weight,
                'e1rm_reps', page.b_reps,
                'e1rm_at', page.b_at,
                'e1rm_workout_id', page.b_workout
            ) order by page.record_at desc, page.nkey, page.exercise_id)
            from page
        ), '[]'::jsonb)
    )
$$;

-- ---------------------------------------------------------------------------------------------
-- Writes on workouts and sets, each one transaction (one PostgREST call)
-- ---------------------------------------------------------------------------------------------

-- Resolve a plan by id or name among the caller's own plans.
create or replace function public.resolve_plan(p_plan text)
returns public.plans
language sql
stable
security invoker
set search_path = ''
as $$
    select p.*
    from public.plans p
    where (
        btrim(p_plan) ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        and p.id = btrim(p_plan)::uuid
    ) or public.name_key(p.title) = public.name_key(p_plan)
    order by (p.id::text = lower(btrim(p_plan))) desc
    limit 1
$$;

-- The plan's own spelling of a session, or an error naming the sessions it has.
create or replace function public.plan_session_name(p_plan public.plans, p_session text)
returns text
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    found_name text;
begin
    select i.session_name into found_name
    from public.plan_items i
    where i.plan_id = p_plan.id and public.name_key(i.session_name) = public.name_key(p_session)
    limit 1;
    if found_name is null then
        raise exception 'plan % has no session %; its sessions are %. Nothing was saved.',
            quote_literal(p_plan.title), quote_literal(p_session),
            (select string_agg(distinct i.session_name, ', ') from public.plan_items i where i.plan_id = p_plan.id)
            using errcode = 'PT400';
    end if;
    return found_name;
end;
$$;

-- Append `p_sets` (a jsonb array of sets) at positions p_first, p_first + 1, ...
create or replace function public.insert_sets(p_workout_id uuid, p_sets jsonb, p_first integer)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    item jsonb;
    idx bigint;
    ex public.exercises;
    ref text;
    ids uuid[] := '{}';
    unknown text[] := '{}';
    pos integer;
begin
    for item, idx in select value, ordinality from jsonb_array_elements(p_sets) with ordinality
    loop
        ref := item ->> 'exercise';
        ex := case when ref is null or btrim(ref) = '' then null else public.resolve_exercise(ref) end;
        if ex.id is null then
            unknown := unknown || format(
                'set %s: unknown exercise %s', p_first + idx - 1, coalesce(quote_literal(ref), 'missing')
            );
        end if;
        ids := ids || ex.id;
    end loop;
    if cardinality(unknown) > 0 then
        raise exception '%', array_to_string(unknown, '; ')
            using errcode = 'P0001', hint = 'search the catalogue for the exact name, or add the exercise first';
    end if;
    for item, idx in select value, ordinality from jsonb_array_elements(p_sets) with ordinality
    loop
        pos := p_first + idx - 1;
        begin
            insert into public.workout_sets (
                workout_id, exercise_id, position, reps, weight_kg, duration_s, distance_m, rpe, is_warmup
            ) values (
                p_workout_id,
                ids[idx],
                pos,
                (item ->> 'reps')::integer,
                (item ->> 'weight_kg')::double precision,
                (item ->> 'duration_s')::integer,
                (item ->> 'distance_m')::double precision,
                (item ->> 'rpe')::double precision,
                coalesce((item ->> 'is_warmup')::boolean, false)
            );
        exception
            when check_violation or not_null_violation or invalid_text_representation
                 or numeric_value_out_of_range or datetime_field_overflow then
                raise exception 'set %: %', pos, sqlerrm using errcode = sqlstate;
        end;
    end loop;
end;
$$;

-- A retry is answered with the workout already saved: the same idempotency_key (a key reused for a
-- different workout is refused), or without a key the same request_hash (the server's fingerprint
-- of every field) saved in the last 10 minutes and not deleted.
create or replace function public.log_workout(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    new_id uuid;
    earlier public.workouts;
    key text;
    hash text;
    plan public.plans;
    session_name text;
begin
    if payload is null or jsonb_typeof(payload) <> 'object' then
        raise exception 'the workout must be a JSON object' using errcode = 'P0001';
    end if;
    if payload ->> 'started_at' is null then
        raise exception 'started_at is required' using errcode = 'P0001';
    end if;
    if jsonb_typeof(payload -> 'sets') is distinct from 'array'
       or jsonb_array_length(payload -> 'sets') = 0 then
        raise exception 'a workout needs at least one set' using errcode = 'P0001';
    end if;
    if jsonb_array_length(payload -> 'sets') > 200 then
        raise exception 'a workout holds at most 200 sets' using errcode = 'P0001';
    end if;
    key := nullif(payload ->> 'idempotency_key', '');
    hash := nullif(payload ->> 'request_hash', '');

    if key is not null or hash is not null then
        -- concurrent retries of one workout wait for each other instead of both inserting
        perform pg_advisory_xact_lock(hashtextextended((select auth.uid())::text || ':' || coalesce(key, hash), 0));
        if key is not null then
            select w.* into earlier from public.workouts w where w.idempotency_key = key;
            if earlier.id is not null and earlier.request_hash is distinct from hash then
                raise exception 'that idempotency_key already saved a different workout; use a new key '
                    'for a new workout. Nothing was saved.' using errcode = 'PT409';
            end if;
        else
            select w.* into earlier from public.workouts w
            where w.request_hash = hash and w.deleted_at is null
              and w.created_at >= now() - interval '600 seconds'
            order by w.created_at desc
            limit 1;
        end if;
        if earlier.id is not null then
            return public.get_workout(earlier.id::text);
        end if;
    end if;

    if payload ->> 'plan_id' is not null then
        plan := public.resolve_plan(payload ->> 'plan_id');
        if plan.id is null then
            raise exception 'no plan %; list_plans shows yours. Nothing was saved.',
                quote_literal(payload ->> 'plan_id') using errcode = 'PT400';
        end if;
        session_name := public.plan_session_name(plan, coalesce(payload ->> 'plan_session', ''));
    end if;

    insert into public.workouts (
        title, started_at, ended_at, notes, rpe, plan_id, plan_session, idempotency_key, request_hash
    )
    values (
        payload ->> 'title',
        (payload ->> 'started_at')::timestamptz,
        (payload ->> 'ended_at')::timestamptz,
        payload ->> 'notes',
        (payload ->> 'rpe')::double precision,
        plan.id,
        session_name,
        key,
        hash
    )
    returning id into new_id;

    perform public.insert_sets(new_id, payload -> 'sets', 1);
    return public.get_workout(new_id::text);
end;
$$;

-- The caller's live workout `p_workout_id`, locked for the change, or a not-found error.
create or replace function public.live_workout(p_workout_id text)
returns public.workouts
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
begin
    if p_workout_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        select * into w from public.workouts
        where id = p_workout_id::uuid and deleted_at is null
        for update;
    end if;
    if w.id is null then
        raise exception 'no workout with id %', quote_literal(coalesce(p_workout_id, '')) using errcode = 'PT404';
    end if;
    return w;
end;
$$;

create or replace function public.add_sets(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
    n integer;
    plan public.plans;
begin
    w := public.live_workout(payload ->> 'workout_id');
    if jsonb_typeof(payload -> 'sets') is distinct from 'array'
       or jsonb_array_length(payload -> 'sets') = 0 then
        raise exception 'give at least one set. Nothing was saved.' using errcode = 'PT400';
    end if;
    select count(*) into n from public.workout_sets where workout_id = w.id;
    if n + jsonb_array_length(payload -> 'sets') > 200 then
        raise exception 'a workout holds at most 200 sets; this one has %. Nothing was saved.', n
            using errcode = 'PT400';
    end if;
    if payload ->> 'plan_id' is not null then
        plan := public.resolve_plan(payload ->> 'plan_id');
        if plan.id is null then
            raise exception 'no plan %; list_plans shows yours. Nothing was saved.',
                quote_literal(payload ->> 'plan_id') using errcode = 'PT400';
        end if;
        update public.workouts
        set plan_id = plan.id,
            plan_session = public.plan_session_name(plan, coalesce(payload ->> 'plan_session', ''))
        where id = w.id;
    end if;
    perform public.insert_sets(w.id, payload -> 'sets', n + 1);
    return public.get_workout(w.id::text);
end;
$$;

-- `changes` names only the columns to set (a null value clears one); `exercise` swaps the exercise.
create or replace function public.update_set(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
    n integer;
    pos integer;
    ch jsonb := coalesce(payload -> 'changes', '{}'::jsonb);
    ex public.exercises;
begin
    w := public.live_workout(payload ->> 'workout_id');
    pos := (payload ->> 'position')::integer;
    select count(*) into n from public.workout_sets where workout_id = w.id;
    if pos is null or pos < 1 or pos > n then
        raise exception 'workout % has no set %; its sets are 1 to %', quote_literal(w.id::text), pos, n
            using errcode = 'PT404';
    end if;
    if payload ->> 'exercise' is not null then
        ex := public.resolve_exercise(payload ->> 'exercise');
        if ex.id is null then
            raise exception 'no exercise called %; search_exercises lists the known names',
                quote_literal(payload ->> 'exercise') using errcode = 'PT404';
        end if;
    end if;
    begin
        update public.workout_sets set
            exercise_id = coalesce(ex.id, exercise_id),
            reps = case when ch ? 'reps' then (ch ->> 'reps')::integer else reps end,
            weight_kg = case when ch ? 'weight_kg' then (ch ->> 'weight_kg')::double precision else weight_kg end,
            duration_s = case when ch ? 'duration_s' then (ch ->> 'duration_s')::integer else duration_s end,
            distance_m = case when ch ? 'distance_m' then (ch ->> 'distance_m')::double precision else distance_m end,
            rpe = case when ch ? 'rpe' then (ch ->> 'rpe')::double precision else rpe end,
            is_warmup = case when ch ? 'is_warmup' then (ch ->> 'is_warmup')::boolean else is_warmup end
        where workout_id = w.id and position = pos;
    exception
        when check_violation or not_null_violation or invalid_text_representation
             or numeric_value_out_of_range then
            raise exception 'set %: %', pos, sqlerrm using errcode = sqlstate;
    end;
    return public.get_workout(w.id::text);
end;
$$;

create or replace function public.delete_set(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
    n integer;
    pos integer;
begin
    w := public.live_workout(payload ->> 'workout_id');
    pos := (payload ->> 'position')::integer;
    select count(*) into n from public.workout_sets where workout_id = w.id;
    if pos is null or pos < 1 or pos > n then
        raise exception 'workout % has no set %; its sets are 1 to %', quote_literal(w.id::text), pos, n
            using errcode = 'PT404';
    end if;
    if n = 1 then
        raise exception 'that is the workout''s only set; delete_workout removes the whole workout'
            using errcode = 'PT400';
    end if;
    delete from public.workout_sets where workout_id = w.id and position = pos;
    -- two steps: the (workout_id, position) key is checked row by row
    update public.workout_sets set position = position + 1000000 where workout_id = w.id and position > pos;
    update public.workout_sets set position = position - 1000001
    where workout_id = w.id and position > 1000000;
    return public.get_workout(w.id::text);
end;
$$;

create or replace function public.update_workout(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
    ch jsonb := coalesce(payload -> 'changes', '{}'::jsonb);
begin
    w := public.live_workout(payload ->> 'workout_id');
    update public.workouts set
        title = case when ch ? 'title' then ch ->> 'title' else title end,
        notes = case when ch ? 'notes' then ch ->> 'notes' else notes end,
        started_at = case when ch ? 'started_at' then (ch ->> 'started_at')::timestamptz else started_at end,
        ended_at = case when ch ? 'ended_at' then (ch ->> 'ended_at')::timestamptz else ended_at end,
        rpe = case when ch ? 'rpe' then (ch ->> 'rpe')::double precision else rpe end
    where id = w.id;
    return public.get_workout(w.id::text);
end;
$$;

-- Removes the caller's workouts deleted more than 30 days ago (with their sets).
create or replace function public.purge_deleted_workouts()
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    gone integer;
begin
    delete from public.workouts where deleted_at is not null and deleted_at < now() - interval '30 days';
    get diagnostics gone = row_count;
    return gone;
end;
$$;

-- Marks the workout deleted (restorable for 30 days); a repeat answers when that happened. Unknown
-- ids answer null rather than an error, so the purge it runs first is kept.
create or replace function public.delete_workout(p_workout_id text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    w public.workouts;
    already boolean;
begin
    perform public.purge_deleted_workouts();
    if p_workout_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        select * into w from public.workouts where id = p_workout_id::uuid for update;
    end if;
    if w.id is null then
        return null;
    end if;
    already := w.deleted_at is not null;
    if not already then
        update public.workouts set deleted_at = now(), idempotency_key = null
        where id = w.id
        returning * into w;
    end if;
    return jsonb_build_object(
        'workout_id', w.id,
        'deleted_at', w.deleted_at,
        'restorable_until', w.deleted_at + interval '30 days',
        'already_deleted', already
    );
end;
$$;

create or replace function public.restore_workout(p_workout_id text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    restored uuid;
begin
    perform public.purge_deleted_workouts();
    if p_workout_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        update public.workouts set deleted_at = null where id = p_workout_id::uuid returning id into restored;
    end if;
    if restored is null then
        return null;
    end if;
    return public.get_workout(restored::text);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Plans
-- ---------------------------------------------------------------------------------------------

create or replace function public.plan_json(p public.plans)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select jsonb_build_object(
        'id', p.id,
        'name', p.title,
        'notes', p.notes,
        'updated_at', p.updated_at,
        'sessions', coalesce((
            select jsonb_agg(jsonb_build_object(
                'name', s.session_name,
                'exercises', s.exercises,
                'times_logged', l.n,
                'last_logged_at', l.last_at
            ) order by s.session_position)
            from (
                select i.session_position, i.session_name, jsonb_agg(jsonb_build_object(
                    'exercise_id', i.exercise_id,
                    'exercise_name', e.name,
                    'target_sets', i.target_sets,
                    'target_reps', i.target_reps,
                    'target_weight_kg', i.target_weight_kg,
                    'target_rpe', i.target_rpe,
                    'notes', i.notes
                ) order by i.position) as exercises
                from public.plan_items i
                join public.exercises e on e.id = i.exercise_id
                where i.plan_id = p.id
                group by i.session_position, i.session_name
            ) s
            cross join lateral (
                select count(*) as n, max(w.started_at) as last_at
                from public.workouts w
                where w.plan_id = p.id and w.deleted_at is null
                  and public.name_key(w.plan_session) = public.name_key(s.session_name)
            ) l
        ), '[]'::jsonb)
    )
$$;

-- Create the named plan or replace the caller's plan of that name (same id, so its history stays).
create or replace function public.save_plan(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    session jsonb;
    session_idx bigint;
    target jsonb;
    target_idx bigint;
    ex public.exercises;
    unknown text[] := '{}';
    plan public.plans;
    pos integer := 0;
begin
    if jsonb_typeof(payload -> 'sessions') is distinct from 'array'
       or jsonb_array_length(payload -> 'sessions') = 0 then
        raise exception 'a plan needs at least one session. Nothing was saved.' using errcode = 'PT400';
    end if;
    for session in select value from jsonb_array_elements(payload -> 'sessions')
    loop
        for target, target_idx in
            select value, ordinality from jsonb_array_elements(session -> 'exercises') with ordinality
        loop
            ex := public.resolve_exercise(coalesce(target ->> 'exercise', ''));
            if ex.id is null then
                unknown := unknown || format('session %s exercise %s: unknown exercise %s',
                    quote_literal(session ->> 'name'), target_idx, quote_literal(coalesce(target ->> 'exercise', '')));
            end if;
        end loop;
    end loop;
    if cardinality(unknown) > 0 then
        raise exception '%. Use search_exercises for the exact name, or add_exercise to create it. '
            'Nothing was saved.', array_to_string(unknown, '; ') using errcode = 'PT400';
    end if;

    insert into public.plans (title, notes)
    values (btrim(payload ->> 'name'), payload ->> 'notes')
    on conflict (user_id, (public.name_key(title)))
        do update set title = excluded.title, notes = excluded.notes, updated_at = now()
    returning * into plan;
    delete from public.plan_items where plan_id = plan.id;

    for session, session_idx in
        select value, ordinality from jsonb_array_elements(payload -> 'sessions') with ordinality
    loop
        for target in select value from jsonb_array_elements(session -> 'exercises')
        loop
            pos := pos + 1;
            insert into public.plan_items (
                plan_id, exercise_id, position, session_position, session_name,
                target_sets, target_reps, target_weight_kg, target_rpe, notes
            ) values (
                plan.id,
                (public.resolve_exercise(target ->> 'exercise')).id,
                pos,
                session_idx,
                btrim(session ->> 'name'),
                coalesce((target ->> 'sets')::integer, 1),
                (target ->> 'reps')::integer,
                (target ->> 'weight_kg')::double precision,
                (target ->> 'rpe')::double precision,
                target ->> 'notes'
            );
        end loop;
    end loop;
    return public.plan_json(plan);
end;
$$;

create or replace function public.list_plans(p_limit integer default 20, p_offset integer default 0)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    with page as (
        select p from public.plans p
        order by p.updated_at desc, public.name_key(p.title), p.id
        limit greatest(least(coalesce(p_limit, 20), 1000), 0)
        offset greatest(coalesce(p_offset, 0), 0)
    )
    select jsonb_build_object(
        'total', (select count(*) from public.plans),
        'items', coalesce((
            select jsonb_agg(public.plan_json(page.p)
                             order by (page.p).updated_at desc, public.name_key((page.p).title), (page.p).id)
            from page
        ), '[]'::jsonb)
    )
$$;

create or replace function public.get_plan(p_plan text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select case when p.id is null then null else public.plan_json(p) end
    from public.resolve_plan(p_plan) p
$$;

create or replace function public.delete_plan(p_plan text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    plan public.plans;
    gone jsonb;
begin
    plan := public.resolve_plan(p_plan);
    if plan.id is null then
        return null;
    end if;
    gone := public.plan_json(plan);
    delete from public.plans where id = plan.id;
    return gone;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Body weight
-- ---------------------------------------------------------------------------------------------

create or replace function public.body_weight_json(b public.body_weights)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select jsonb_build_object('id', b.id, 'weight_kg', b.weight_kg, 'measured_at', b.measured_at, 'note', b.note)
$$;

-- One measurement; the same measured_at again replaces it.
create or replace function public.log_body_weight(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    saved public.body_weights;
begin
    insert into public.body_weights (weight_kg, measured_at, note)
    values (
        (payload ->> 'weight_kg')::double precision,
        (payload ->> 'measured_at')::timestamptz,
        payload ->> 'note'
    )
    on conflict (user_id, measured_at)
        do update set weight_kg = excluded.weight_kg, note = excluded.note
    returning * into saved;
    return public.body_weight_json(saved);
end;
$$;

create or replace function public.body_weights_between(p_since timestamptz, p_until timestamptz)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select coalesce(jsonb_agg(public.body_weight_json(b) order by b.measured_at), '[]'::jsonb)
    from public.body_weights b
    where b.measured_at >= p_since and b.measured_at < p_until
$$;

-- ---------------------------------------------------------------------------------------------
-- Function privileges: signed-in users only
-- ---------------------------------------------------------------------------------------------

revoke execute on function
    public.records_board(integer, integer),
    public.resolve_plan(text),
    public.plan_session_name(public.plans, text),
    public.insert_sets(uuid, jsonb, integer),
    public.live_workout(text),
    public.add_sets(jsonb),
    public.update_set(jsonb),
    public.delete_set(jsonb),
    public.update_workout(jsonb),
    public.purge_deleted_workouts(),
    public.delete_workout(text),
    public.restore_workout(text),
    public.plan_json(public.plans),
    public.save_plan(jsonb),
    public.list_plans(integer, integer),
    public.get_plan(text),
    public.delete_plan(text),
    public.body_weight_json(public.body_weights),
    public.log_body_weight(jsonb),
    public.body_weights_between(timestamptz, timestamptz)
    from public, anon;
grant execute on function
    public.records_board(integer, integer),
    public.resolve_plan(text),
    public.plan_session_name(public.plans, text),
    public.insert_sets(uuid, jsonb, integer),
    public.live_workout(text),
    public.add_sets(jsonb),
    public.update_set(jsonb),
    public.delete_set(jsonb),
    public.update_workout(jsonb),
    public.purge_deleted_workouts(),
    public.delete_workout(text),
    public.restore_workout(text),
    public.plan_json(public.plans),
    public.save_plan(jsonb),
    public.list_plans(integer, integer),
    public.get_plan(text),
    public.delete_plan(text),
    public.body_weight_json(public.body_weights),
    public.log_body_weight(jsonb),
    public.body_weights_between(timestamptz, timestamptz)
    to authenticated, service_role;
