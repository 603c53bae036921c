"""Reorder and order-up-to levels: usage over chosen periods times days of stock, per item
site, as the Update Reorder Levels and Update Order Up To Levels screens compute them."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.kinds.selectors import Selection, lookahead, period_ids
from xtbatch import db


def update_levels(ctx: JobContext, *, function: str, block: str, what: str) -> str:
    """Call ``function(itemsite_id, days, periods)`` on every selected item site, in one
    transaction as the screen's single statement does."""
    periods = period_ids(ctx.params)
    days = lookahead(ctx.params)
    chosen = Selection.from_params(ctx.params)
    require_functions(ctx, Needed(signature=f"{function}(integer, integer, integer[])"))
    with ctx.conn.transaction():
        rows = db.fetch_all(
            ctx.conn,
            block,
            {
                **chosen.as_sql_params(),
                "periods": periods,
                "leadtimepad": days.leadtimepad,
                "fixedlookahead": days.fixedlookahead,
            },
        )
    updated = sum(1 for row in rows if row["result"])
    ctx.log.info(
        "%s: %d of %d item site(s) updated over %d period(s), %s (%s)",
        what,
        updated,
        len(rows),
        len(periods),
        days.describe(),
        chosen.describe(),
        extra={"action": "kind.levels_updated", "itemsites": len(rows), "updated": updated},
    )
    skipped = len(rows) - updated
    note = f"; {skipped} had no days in the periods" if skipped else ""
    return f"{what} updated for {updated} of {len(rows)} item site(s){note}"
