"""AllocateReservations: Allocate Reservations (reserveAllSo) for open sales order lines
scheduled between today + startDateOffset and today + endDateOffset."""

from __future__ import annotations

from typing import Any

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.kinds.selectors import date_from_offset
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed, ParameterInvalid

_ID = "the id of one record (a whole number)"


@job_kind("AllocateReservations")
def allocate_reservations(ctx: JobContext) -> str | None:
    start = date_from_offset(ctx.params, "startDateOffset")
    end = date_from_offset(ctx.params, "endDateOffset")
    if end < start:
        raise ParameterInvalid(
            "Parameters 'startDateOffset' and 'endDateOffset': expected the start on or "
            f"before the end, got {start} to {end}."
        )
    pattern = ctx.params.get("custtype_pattern")
    args: dict[str, Any] = {
        "add_packing_list": bool(ctx.params.typed("addPackingList", bool, "true or false")),
        "start_date": start,
        "end_date": end,
        "cust_id": ctx.params.typed("cust_id", int, _ID),
        "shipto_id": ctx.params.typed("shipto_id", int, _ID),
        "custtype_id": ctx.params.typed("custtype_id", int, _ID),
        "custtype_pattern": None if pattern is None or pattern is True else str(pattern),
    }
    require_functions(
        ctx,
        Needed(
            signature="reserveAllSo(boolean, date, date, integer, integer, integer, text)",
            package="xTuple's sales order reservations (Distribution or Manufacturing edition)",
        ),
    )
    with ctx.conn.transaction():
        before = db.fetch_one(ctx.conn, "allocate_reservations_lines", args) or {}
        result = int(db.scalar(ctx.conn, "allocate_reservations_run", args) or 0)
        if result < 0:
            raise JobFailed(f"reserveAllSo failed (error {result}); nothing was reserved.")
        after = db.fetch_one(ctx.conn, "allocate_reservations_lines", args) or {}
    lines = int(before.get("lines") or 0)
    reserved = (after.get("reserved") or 0) - (before.get("reserved") or 0)
    ctx.log.info(
        "reservations allocated on %d open sales order line(s) scheduled %s to %s: "
        "%s more reserved%s",
        lines,
        start,
        end,
        reserved,
        ", added to the packing list batch" if args["add_packing_list"] else "",
        extra={"action": "kind.reservations_allocated", "lines": lines},
    )
    return f"{lines} sales order line(s) scheduled {start} to {end} considered, {reserved} reserved"
