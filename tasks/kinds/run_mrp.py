"""RunMRP: Run MRP by Planner Code: createPlannedOrders for each selected item site,
manufactured items first, by bill-of-materials level, as the screen plans them.

Parameters: planner code / site selectors, ``cutoff_offset`` (days from the run; the client's
``cutOffDate`` is used only when no offset is given), ``deleteFirmed`` (or the older flag
``DeleteFirmed``), ``MPS`` and ``planningType`` (default 'M'). Like the screen, each item site
is planned in its own transaction, so a cancelled run keeps what it planned.
"""

from __future__ import annotations

import datetime as dt

from tasks.context import JobContext
from tasks.kinds.prerequisites import MANUFACTURING, Needed, require_functions
from tasks.kinds.selectors import Selection, date_from_offset
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import ParameterInvalid

_FLAG = "true or false"


def cutoff_date(ctx: JobContext) -> dt.date:
    """The planning horizon: today + cutoff_offset, else cutOffDate.

    Raises:
        ParameterInvalid: neither given, or malformed.
    """
    if "cutoff_offset" in ctx.params or "cutOffDate" not in ctx.params:
        return date_from_offset(ctx.params, "cutoff_offset")
    value: dt.date = ctx.params.typed("cutOffDate", dt.date, "a date as YYYY-MM-DD")
    return value.date() if isinstance(value, dt.datetime) else value


@job_kind("RunMRP")
def run_mrp(ctx: JobContext) -> str | None:
    cutoff = cutoff_date(ctx)
    chosen = Selection.from_params(ctx.params)
    delete_firmed = bool(ctx.params.typed("deleteFirmed", bool, _FLAG)) or (
        "DeleteFirmed" in ctx.params and ctx.params.flag("DeleteFirmed")
    )
    mps = bool(ctx.params.typed("MPS", bool, _FLAG))
    planning_type = ctx.params.typed("planningType", str, "a planning type such as M") or "M"
    if planning_type not in ("M", "S", "N"):
        raise ParameterInvalid(
            f"Parameter 'planningType' is malformed: expected M (MRP) or S (MPS), "
            f"got {planning_type!r}."
        )
    require_functions(
        ctx,
        Needed(
            signature="createPlannedOrders(integer, date, boolean, boolean)",
            package=MANUFACTURING,
        ),
        Needed(signature="bomLevelByItem(integer)", package=MANUFACTURING),
    )
    itemsites = db.fetch_all(
        ctx.conn,
        "run_mrp_itemsites",
        {**chosen.as_sql_params(), "planning_type": planning_type},
    )
    total, created, unplannable = len(itemsites), 0, 0
    for done, site in enumerate(itemsites, start=1):
        ctx.check_cancelled()
        with ctx.conn.transaction():
            result = int(
                db.scalar(
                    ctx.conn,
                    "run_mrp_itemsite",
                    {
                        "itemsite_id": site["itemsite_id"],
                        "cutoff": cutoff,
                        "delete_firmed": delete_firmed,
                        "mps": mps,
                    },
                )
                or 0
            )
        if result < 0:
            unplannable += 1
            ctx.log.warning(
                "item %s at site %s not planned (createPlannedOrders returned %d)",
                site["item_number"],
                site["warehous_code"],
                result,
                extra={"action": "kind.mrp_unplannable", "itemsite_id": site["itemsite_id"]},
            )
        else:
            created += result
        ctx.progress(done, total, f"item site {site['item_number']} at {site['warehous_code']}")
    ctx.log.info(
        "MRP to %s planned %d item site(s) (%s): %d planned order(s) created, %d not plannable",
        cutoff,
        total,
        chosen.describe(),
        created,
        unplannable,
        extra={"action": "kind.mrp_done", "itemsites": total, "planned_orders": created},
    )
    note = f", {unplannable} not plannable (see the log)" if unplannable else ""
    return (
        f"MRP to {cutoff}: {total} item site(s) planned, {created} planned order(s) created{note}"
    )
