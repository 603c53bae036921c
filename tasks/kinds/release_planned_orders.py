"""ReleasePlannedOrders: Release Planned Orders by Planner Code (releasePlannedOrder on each
planned order starting by today + cutoff_offset), in one transaction as the screen does."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import MANUFACTURING, Needed, require_functions
from tasks.kinds.selectors import Selection, date_from_offset
from tasks.runner import job_kind
from xtbatch import db


@job_kind("ReleasePlannedOrders")
def release_planned_orders(ctx: JobContext) -> str | None:
    cutoff = date_from_offset(ctx.params, "cutoff_offset")
    chosen = Selection.from_params(ctx.params)
    firmed_only = bool(ctx.params.typed("firmedOnly", bool, "true or false"))
    require_functions(
        ctx,
        Needed(signature="releasePlannedOrder(integer, boolean, boolean)", package=MANUFACTURING),
    )
    with ctx.conn.transaction():
        rows = db.fetch_all(
            ctx.conn,
            "release_planned_orders_run",
            {**chosen.as_sql_params(), "cutoff": cutoff, "firmed_only": firmed_only},
        )
    failed = [row for row in rows if row["result"] is None or row["result"] < 0]
    for row in failed:
        ctx.log.warning(
            "planned order %s not released (releasePlannedOrder returned %s)",
            row["planord_id"],
            row["result"],
            extra={"action": "kind.planord_not_released", "planord_id": row["planord_id"]},
        )
    released = len(rows) - len(failed)
    ctx.log.info(
        "released %d planned order(s) starting by %s (%s%s)",
        released,
        cutoff,
        chosen.describe(),
        ", firmed only" if firmed_only else "",
        extra={"action": "kind.planord_released", "released": released, "failed": len(failed)},
    )
    note = f", {len(failed)} could not be released (see the log)" if failed else ""
    return f"{released} planned order(s) starting by {cutoff} released{note}"
