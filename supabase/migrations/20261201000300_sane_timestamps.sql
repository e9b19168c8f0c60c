-- Workout times in a sane range in the database too, not only in the server's validation.
--
-- Why: a row started at 9999-12-31T23:59:59-05:00 (year 10000 in UTC) was committed and then broke
-- every read of that user, since clients cannot represent the year. The server refuses such times
-- (years 1900 to next year, starts at most a day ahead) before they reach PostgREST; these checks stop
-- any other client of the Data API. The bounds are fixed (a check cannot follow the clock): 1900 to
-- 2200. NOT VALID: rows already stored are left as they are (and can be fixed with an update), new and
-- updated rows are checked.
--
-- Idempotent: safe to apply twice.

do $$
begin
    if not exists (
        select 1 from pg_constraint
        where conrelid = 'public.workouts'::regclass and conname = 'workouts_started_at_range'
    ) then
        alter table public.workouts add constraint workouts_started_at_range check (
            started_at >= timestamptz '1900-01-01 00:00:00+00' and started_at < timestamptz '2200-01-01 00:00:00+00'
        ) not valid;
    end if;
    if not exists (
        select 1 from pg_constraint
        where conrelid = 'public.workouts'::regclass and conname = 'workouts_ended_at_range'
    ) then
        alter table public.workouts add constraint workouts_ended_at_range check (
            ended_at is null
            or (ended_at >= timestamptz '1900-01-01 00:00:00+00' and ended_at < timestamptz '2200-01-01 00:00:00+00')
        ) not valid;
    end if;
end
$$;
