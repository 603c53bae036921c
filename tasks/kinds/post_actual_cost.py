"""PostActualCost: Post Actual Costs by Item or by Class Code (doPostCosts): actual becomes
standard for the chosen cost elements."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds import costing
from tasks.runner import job_kind


@job_kind("PostActualCost")
def post_actual_cost(ctx: JobContext) -> str | None:
    return costing.post_costs(ctx)
