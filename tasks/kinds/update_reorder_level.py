"""UpdateReorderLevel: Update Reorder Levels (updateReorderLevel per selected item site)."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.stock_levels import update_levels
from tasks.runner import job_kind


@job_kind("UpdateReorderLevel")
def update_reorder_level(ctx: JobContext) -> str | None:
    return update_levels(ctx, function="updateReorderLevel", what="reorder levels")
