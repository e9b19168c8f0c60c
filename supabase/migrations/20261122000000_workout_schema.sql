-- workout-mcp schema: exercises (shared catalogue + each user's own), workouts, sets, plans.
--
-- Every row is owned through user_id / owner_id = auth.uid(); Row Level Security is enabled and
-- forced on every table, so PostgREST calls made with the user's own JWT see only that user's rows.
-- The read functions are SECURITY INVOKER (RLS applies) and return one jsonb value each, so
-- PostgREST's max-rows cap can never truncate a result.
--
-- Idempotent: safe to apply twice, with `supabase db push` or pasted into the SQL editor.

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

create table if not exists public.exercises (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid default auth.uid() references auth.users (id) on delete cascade,
    name text not null,
    muscle_groups text[] not null default '{}',
    equipment text,
    kind text not null default 'strength',
    created_at timestamptz not null default now(),
    constraint exercises_name_length check (char_length(btrim(name)) between 1 and 80),
    constraint exercises_equipment_length check (equipment is null or char_length(equipment) <= 40),
    constraint exercises_kind_check check (kind in ('strength', 'cardio', 'mobility')),
    constraint exercises_muscle_groups_count check (cardinality(muscle_groups) <= 6)
);
comment on table public.exercises is
    'Shared catalogue (owner_id is null, read-only for users) plus each user''s own exercises.';

create table if not exists public.workouts (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    title text,
    started_at timestamptz not null,
    ended_at timestamptz,
    notes text,
    rpe double precision,
    created_at timestamptz not null default now(),
    constraint workouts_title_length check (title is null or char_length(title) <= 120),
    constraint workouts_notes_length check (notes is null or char_length(notes) <= 2000),
    constraint workouts_rpe_range check (rpe is null or rpe between 1 and 10),
    constraint workouts_ended_after_started check (ended_at is null or ended_at >= started_at)
);

create table if not exists public.workout_sets (
    id uuid primary key default gen_random_uuid(),
    workout_id uuid not null references public.workouts (id) on delete cascade,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    -- restrict: deleting an exercise must never silently erase logged history
    exercise_id uuid not null references public.exercises (id) on delete restrict,
    position integer not null,
    reps integer,
    weight_kg double precision,
    duration_s integer,
    distance_m double precision,
    rpe double precision,
    is_warmup boolean not null default false,
    created_at timestamptz not null default now(),
    constraint workout_sets_position_positive check (position >= 1),
    constraint workout_sets_reps_range check (reps is null or reps between 0 and 1000),
    constraint workout_sets_weight_range check (weight_kg is null or weight_kg between 0 and 1500),
    constraint workout_sets_duration_range check (duration_s is null or duration_s between 0 and 86400),
    constraint workout_sets_distance_range check (distance_m is null or distance_m between 0 and 1000000),
    constraint workout_sets_rpe_range check (rpe is null or rpe between 1 and 10),
    constraint workout_sets_has_measure check (
        reps is not null or duration_s is not null or distance_m is not null
    ),
    constraint workout_sets_workout_position_key unique (workout_id, position)
);

create table if not exists public.plans (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    title text not null,
    scheduled_for timestamptz,
    notes text,
    created_at timestamptz not null default now(),
    constraint plans_title_length check (char_length(btrim(title)) between 1 and 120),
    constraint plans_notes_length check (notes is null or char_length(notes) <= 2000)
);

create table if not exists public.plan_items (
    id uuid primary key default gen_random_uuid(),
    plan_id uuid not null references public.plans (id) on delete cascade,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    exercise_id uuid not null references public.exercises (id) on delete restrict,
    position integer not null,
    target_sets integer,
    target_reps integer,
    target_weight_kg double precision,
    notes text,
    constraint plan_items_position_positive check (position >= 1),
    constraint plan_items_target_sets_range check (target_sets is null or target_sets between 1 and 100),
    constraint plan_items_target_reps_range check (target_reps is null or target_reps between 0 and 1000),
    constraint plan_items_target_weight_range check (
        target_weight_kg is null or target_weight_kg between 0 and 1500
    ),
    constraint plan_items_notes_length check (notes is null or char_length(notes) <= 500),
    constraint plan_items_plan_position_key unique (plan_id, position)
);

-- ---------------------------------------------------------------------------------------------
-- Indexes for the tools' queries (and for the foreign keys the policies and cascades follow)
-- ---------------------------------------------------------------------------------------------

create unique index if not exists exercises_owner_name_key
    on public.exercises (coalesce(owner_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
create index if not exists exercises_name_lower_idx on public.exercises (lower(name));
create index if not exists exercises_owner_idx on public.exercises (owner_id);
create index if not exists workouts_user_started_idx on public.workouts (user_id, started_at desc);
create index if not exists workout_sets_workout_idx on public.workout_sets (workout_id, position);
create index if not exists workout_sets_user_exercise_idx on public.workout_sets (user_id, exercise_id);
create index if not exists workout_sets_exercise_idx on public.workout_sets (exercise_id);
create index if not exists plans_user_scheduled_idx on public.plans (user_id, scheduled_for);
create index if not exists plan_items_plan_idx on public.plan_items (plan_id, position);
create index if not exists plan_items_exercise_idx on public.plan_items (exercise_id);
create index if not exists plan_items_user_idx on public.plan_items (user_id);

-- ---------------------------------------------------------------------------------------------
-- Row Level Security: enabled and forced everywhere, one policy per operation
-- ---------------------------------------------------------------------------------------------

alter table public.exercises enable row level security;
alter table public.exercises force row level security;
alter table public.workouts enable row level security;
alter table public.workouts force row level security;
alter table public.workout_sets enable row level security;
alter table public.workout_sets force row level security;
alter table public.plans enable row level security;
alter table public.plans force row level security;
alter table public.plan_items enable row level security;
alter table public.plan_items force row level security;

-- exercises: the catalogue is readable by every signed-in user and writable by none of them
drop policy if exists exercises_select on public.exercises;
create policy exercises_select on public.exercises for select to authenticated
    using (owner_id is null or owner_id = (select auth.uid()));
drop policy if exists exercises_insert on public.exercises;
create policy exercises_insert on public.exercises for insert to authenticated
    with check (owner_id = (select auth.uid()));
drop policy if exists exercises_update on public.exercises;
create policy exercises_update on public.exercises for update to authenticated
    using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
drop policy if exists exercises_delete on public.exercises;
create policy exercises_delete on public.exercises for delete to authenticated
    using (owner_id = (select auth.uid()));

-- workouts: own rows only
drop policy if exists workouts_select on public.workouts;
create policy workouts_select on public.workouts for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists workouts_insert on public.workouts;
create policy workouts_insert on public.workouts for insert to authenticated
    with check (user_id = (select auth.uid()));
drop policy if exists workouts_update on public.workouts;
create policy workouts_update on public.workouts for update to authenticated
    using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
drop policy if exists workouts_delete on public.workouts;
create policy workouts_delete on public.workouts for delete to authenticated
    using (user_id = (select auth.uid()));

-- workout_sets: own rows, only under the caller's own workout, only of an exercise the caller may see
drop policy if exists workout_sets_select on public.workout_sets;
create policy workout_sets_select on public.workout_sets for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists workout_sets_insert on public.workout_sets;
create policy workout_sets_insert on public.workout_sets for insert to authenticated
    with check (
        user_id = (select auth.uid())
        and exists (
            select 1 from public.workouts w
            where w.id = workout_id and w.user_id = (select auth.uid())
        )
        and exists (
            select 1 from public.exercises e
            where e.id = exercise_id and (e.owner_id is null or e.owner_id = (select auth.uid()))
        )
    );
drop policy if exists workout_sets_update on public.workout_sets;
create policy workout_sets_update on public.workout_sets for update to authenticated
    using (user_id = (select auth.uid()))
    with check (
        user_id = (select auth.uid())
        and exists (
            select 1 from public.workouts w
            where w.id = workout_id and w.user_id = (select auth.uid())
        )
        and exists (
            select 1 from public.exercises e
            where e.id = exercise_id and (e.owner_id is null or e.owner_id = (select auth.uid()))
        )
    );
drop policy if exists workout_sets_delete on public.workout_sets;
create policy workout_sets_delete on public.workout_sets for delete to authenticated
    using (user_id = (select auth.uid()));

-- plans: own rows only
drop policy if exists plans_select on public.plans;
create policy plans_select on public.plans for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists plans_insert on public.plans;
create policy plans_insert on public.plans for insert to authenticated
    with check (user_id = (select auth.uid()));
drop policy if exists plans_update on public.plans;
create policy plans_update on public.plans for update to authenticated
    using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
drop policy if exists plans_delete on public.plans;
create policy plans_delete on public.plans for delete to authenticated
    using (user_id = (select auth.uid()));

-- plan_items: own rows, only under the caller's own plan, only of an exercise the caller may see
drop policy if exists plan_items_select on public.plan_items;
create policy plan_items_select on public.plan_items for select to authenticated
    using (user_id = (select auth.uid()));
drop policy if exists plan_items_insert on public.plan_items;
create policy plan_items_insert on public.plan_items for insert to authenticated
    with check (
        user_id = (select auth.uid())
        and exists (
            select 1 from public.plans p
            where p.id = plan_id and p.user_id = (select auth.uid())
        )
        and exists (
            select 1 from public.exercises e
            where e.id = exercise_id and (e.owner_id is null or e.owner_id = (select auth.uid()))
        )
    );
drop policy if exists plan_items_update on public.plan_items;
create policy plan_items_update on public.plan_items for update to authenticated
    using (user_id = (select auth.uid()))
    with check (
        user_id = (select auth.uid())
        and exists (
            select 1 from public.plans p
            where p.id = plan_id and p.user_id = (select auth.uid())
        )
        and exists (
            select 1 from public.exercises e
            where e.id = exercise_id and (e.owner_id is null or e.owner_id = (select auth.uid()))
        )
    );
drop policy if exists plan_items_delete on public.plan_items;
create policy plan_items_delete on public.plan_items for delete to authenticated
    using (user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- Privileges: authenticated works through the policies above; anon gets nothing
-- ---------------------------------------------------------------------------------------------

revoke all on public.exercises, public.workouts, public.workout_sets, public.plans, public.plan_items
    from anon;
grant select, insert, update, delete
    on public.exercises, public.workouts, public.workout_sets, public.plans, public.plan_items
    to authenticated;
grant all
    on public.exercises, public.workouts, public.workout_sets, public.plans, public.plan_items
    to service_role;

-- ---------------------------------------------------------------------------------------------
-- An exercise name is unique among what the caller can see (catalogue + own): compared
-- case-insensitively with surrounding and repeated spaces ignored (the local store's name_key)
-- ---------------------------------------------------------------------------------------------

create or replace function public.name_key(p_name text)
returns text
language sql
immutable
security invoker
set search_path = ''
as $$
    select lower(regexp_replace(btrim(p_name), '\s+', ' ', 'g'))
$$;

create or replace function public.exercises_name_unique()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
    clash public.exercises;
begin
    new.name := btrim(new.name);
    select e.* into clash
    from public.exercises e
    where public.name_key(e.name) = public.name_key(new.name)
      and e.id <> new.id
      and (e.owner_id is null or e.owner_id is not distinct from new.owner_id)
    order by e.owner_id nulls first
    limit 1;
    if clash.id is not null then
        raise exception 'an exercise named "%" already exists', clash.name
            using errcode = '23505',
                  detail = case when clash.owner_id is null then 'catalogue' else 'own' end,
                  hint = 'use the existing exercise or pick another name';
    end if;
    return new;
end;
$$;

drop trigger if exists exercises_name_unique on public.exercises;
create trigger exercises_name_unique
    before insert or update of name, owner_id on public.exercises
    for each row execute function public.exercises_name_unique();

-- ---------------------------------------------------------------------------------------------
-- Read functions: one round trip, one row (a jsonb value), RLS applies (security invoker)
-- ---------------------------------------------------------------------------------------------

create or replace function public.exercise_json(e public.exercises)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select jsonb_build_object(
        'id', e.id,
        'name', e.name,
        'muscle_groups', to_jsonb(e.muscle_groups),
        'equipment', e.equipment,
        'kind', e.kind,
        'custom', e.owner_id is not null
    )
$$;

-- Resolve an exercise id or (case-insensitive) name among the caller's visible exercises.
create or replace function public.resolve_exercise(p_exercise text)
returns public.exercises
language sql
stable
security invoker
set search_path = ''
as $$
    select e.*
    from public.exercises e
    where (
        btrim(p_exercise) ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        and e.id = btrim(p_exercise)::uuid
    ) or public.name_key(e.name) = public.name_key(p_exercise)
    order by (e.id::text = lower(btrim(p_exercise))) desc, e.owner_id nulls last
    limit 1
$$;

create or replace function public.set_record_json(
    s public.workout_sets, w public.workouts, e public.exercises
)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select jsonb_build_object(
        'workout_id', w.id,
        'performed_at', w.started_at,
        'exercise_id', e.id,
        'exercise_name', e.name,
        'muscle_groups', to_jsonb(e.muscle_groups),
        'reps', s.reps,
        'weight_kg', s.weight_kg,
        'duration_s', s.duration_s,
        'distance_m', s.distance_m,
        'rpe', s.rpe,
        'is_warmup', s.is_warmup
    )
$$;

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
        where (p_since is null or w.started_at >= p_since)
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
        where s.exercise_id = ex.id and (p_since is null or w.started_at >= p_since)
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
    where s.exercise_id = ex.id;
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
    where w.started_at >= p_since and w.started_at < p_until
$$;

-- Catalogue + own exercises whose names contain every word of p_query; exact name first, then
-- names starting with the query, then alphabetical, own before catalogue.
create or replace function public.search_exercises(
    p_query text default null,
    p_muscle_group text default null,
    p_kind text default null,
    p_limit integer default 20,
    p_offset integer default 0
)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    with q as (
        select coalesce(public.name_key(p_query), '') as key
    ), picked as (
        select e.*, public.name_key(e.name) as nkey
        from public.exercises e, q
        where (p_muscle_group is null or p_muscle_group = any (e.muscle_groups))
          and (p_kind is null or e.kind = p_kind)
          and not exists (
              select 1 from regexp_split_to_table(q.key, ' ') as word
              where word <> '' and strpos(public.name_key(e.name), word) = 0
          )
    ), page as (
        select p.*, row_number() over (
            order by p.nkey = q.key desc, starts_with(p.nkey, q.key) desc, p.nkey, p.owner_id is null
        ) as rank
        from picked p, q
        order by rank
        limit greatest(least(coalesce(p_limit, 20), 1000), 0)
        offset greatest(coalesce(p_offset, 0), 0)
    )
    select jsonb_build_object(
        'total', (select count(*) from picked),
        'items', coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'id', page.id,
                    'name', page.name,
                    'muscle_groups', to_jsonb(page.muscle_groups),
                    'equipment', page.equipment,
                    'kind', page.kind,
                    'custom', page.owner_id is not null
                )
                order by page.rank
            )
            from page
        ), '[]'::jsonb)
    )
$$;

-- ---------------------------------------------------------------------------------------------
-- log_workout: a whole workout with its sets in one transaction (one PostgREST call)
-- ---------------------------------------------------------------------------------------------

create or replace function public.log_workout(payload jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    new_id uuid;
    item jsonb;
    idx bigint;
    ex public.exercises;
    ref text;
    ids uuid[] := '{}';
    unknown text[] := '{}';
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

    for item, idx in select value, ordinality from jsonb_array_elements(payload -> 'sets') with ordinality
    loop
        ref := item ->> 'exercise';
        ex := case when ref is null or btrim(ref) = '' then null else public.resolve_exercise(ref) end;
        if ex.id is null then
            unknown := unknown || format('set %s: unknown exercise %s', idx, coalesce(quote_literal(ref), 'missing'));
        end if;
        ids := ids || ex.id;
    end loop;
    if cardinality(unknown) > 0 then
        raise exception '%', array_to_string(unknown, '; ')
            using errcode = 'P0001', hint = 'search the catalogue for the exact name, or add the exercise first';
    end if;

    insert into public.workouts (title, started_at, ended_at, notes, rpe)
    values (
        payload ->> 'title',
        (payload ->> 'started_at')::timestamptz,
        (payload ->> 'ended_at')::timestamptz,
        payload ->> 'notes',
        (payload ->> 'rpe')::double precision
    )
    returning id into new_id;

    for item, idx in select value, ordinality from jsonb_array_elements(payload -> 'sets') with ordinality
    loop
        begin
            insert into public.workout_sets (
                workout_id, exercise_id, position, reps, weight_kg, duration_s, distance_m, rpe, is_warmup
            ) values (
                new_id,
                ids[idx],
                idx,
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
                raise exception 'set %: %', idx, sqlerrm using errcode = sqlstate;
        end;
    end loop;

    return public.get_workout(new_id::text);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Function privileges: signed-in users only
-- ---------------------------------------------------------------------------------------------

revoke execute on function
    public.name_key(text),
    public.search_exercises(text, text, text, integer, integer),
    public.exercises_name_unique(),
    public.exercise_json(public.exercises),
    public.resolve_exercise(text),
    public.set_record_json(public.workout_sets, public.workouts, public.exercises),
    public.get_workout(text),
    public.list_workouts(timestamptz, timestamptz, integer, integer),
    public.exercise_history(text, timestamptz, integer, integer),
    public.exercise_sets(text),
    public.sets_between(timestamptz, timestamptz),
    public.log_workout(jsonb)
    from public, anon;
grant execute on function
    public.name_key(text),
    public.search_exercises(text, text, text, integer, integer),
    public.exercises_name_unique(),
    public.exercise_json(public.exercises),
    public.resolve_exercise(text),
    public.set_record_json(public.workout_sets, public.workouts, public.exercises),
    public.get_workout(text),
    public.list_workouts(timestamptz, timestamptz, integer, integer),
    public.exercise_history(text, timestamptz, integer, integer),
    public.exercise_sets(text),
    public.sets_between(timestamptz, timestamptz),
    public.log_workout(jsonb)
    to authenticated, service_role;
