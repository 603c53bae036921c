"""UpdateActualCost: Update Actual Costs by Item or by Class Code (doUpdateCosts, actual)."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds import costing
from tasks.runner import job_kind


@job_kind("UpdateActualCost")
def update_actual_cost(ctx: JobContext) -> str | None:
    return costing.update_costs(ctx, actual=True)
