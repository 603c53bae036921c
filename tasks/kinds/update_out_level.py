"""UpdateOUTLevel: Update Order Up To Levels (updateOUTLevel per selected item site)."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.stock_levels import update_levels
from tasks.runner import job_kind


@job_kind("UpdateOUTLevel")
def update_out_level(ctx: JobContext) -> str | None:
    return update_levels(ctx, function="updateOUTLevel", what="order up to levels")
