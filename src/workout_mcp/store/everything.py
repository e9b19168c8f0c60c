"""The whole log in and out: workouts (the store's bulk import / export) plus plans and body weights.

Workouts go in all or nothing through `import_batch`. Plans and body weights then go through the
store's own `save_plan` (a plan of the same name is replaced, keeping its id) and `log_body_weight`
(a measurement at the same time is replaced), so repeating an import changes nothing; they are saved
after the workouts, each atomically on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from workout_mcp.domain.body_weight import NewBodyWeight
from workout_mcp.domain.plans import NewPlan, NewPlanSession, PlanTarget, StoredPlan
from workout_mcp.domain.transfer import ImportBatch, ImportOutcome, LogExport
from workout_mcp.store.base import WorkoutStore

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
PLAN_PAGE = 100


def as_new_plan(plan: StoredPlan) -> NewPlan:
    return NewPlan(
        name=plan.name,
        notes=plan.notes,
        sessions=[
            NewPlanSession(
                name=s.name,
                exercises=[
                    PlanTarget(
                        exercise=e.exercise_name,
                        sets=e.target_sets,
                        reps=e.target_reps,
                        weight_kg=e.target_weight_kg,
                        rpe=e.target_rpe,
                        notes=e.notes,
                    )
                    for e in s.exercises
                ],
            )
            for s in plan.sessions
        ],
    )


async def export_everything(
    store: WorkoutStore, *, since: datetime | None, until: datetime | None, now: datetime | None = None
) -> LogExport:
    """Workouts in [since, until), every plan, and the body weights measured in that range."""
    log = await store.export_log(since=since, until=until)
    plans: list[NewPlan] = []
    offset = 0
    while True:
        page = await store.list_plans(limit=PLAN_PAGE, offset=offset)
        plans.extend(as_new_plan(p) for p in page.items)
        if page.next_offset is None or not page.items:
            break
        offset = page.next_offset
    end = until or (now or datetime.now(UTC)).replace(year=(now or datetime.now(UTC)).year + 1)
    weights = await store.body_weights_between(since or EARLIEST, end)
    return log.model_copy(
        update={
            "plans": sorted(plans, key=lambda p: p.name.lower()),
            "body_weights": [
                NewBodyWeight(weight_kg=b.weight_kg, measured_at=b.measured_at, note=b.note)
                for b in sorted(weights, key=lambda b: b.measured_at)
            ],
        }
    )


async def import_everything(
    store: WorkoutStore, batch: ImportBatch, *, progress: Callable[[int, int], None] | None = None
) -> ImportOutcome:
    outcome = await store.import_batch(batch, progress=progress)
    for plan in batch.plans:
        await store.save_plan(plan)
    for entry in batch.body_weights:
        await store.log_body_weight(entry)
    return outcome.model_copy(
        update={"plans_saved": len(batch.plans), "body_weights_saved": len(batch.body_weights)}
    )
