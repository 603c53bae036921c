"""UpdateStandardCost: Update Standard Costs by Item or by Class Code (doUpdateCosts, standard)."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds import costing
from tasks.runner import job_kind


@job_kind("UpdateStandardCost")
def update_standard_cost(ctx: JobContext) -> str | None:
    return costing.update_costs(ctx, actual=False)
