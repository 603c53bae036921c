"""Reorder and order-up-to levels: usage over chosen periods times days of stock, per item
site, as the Update Reorder Levels and Update Order Up To Levels screens compute them."""

from __future__ import annotations

from typing import Literal

from psycopg import sql

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.kinds.selectors import Selection, lookahead, period_ids
from xtbatch import sql as named_sql

# The two screens' functions, the only names the statement's {function} identifier may take.
LevelFunction = Literal["updateReorderLevel", "updateOUTLevel"]
_IDENTIFIERS: dict[LevelFunction, sql.Identifier] = {
    # PostgreSQL folds the unquoted names the screens use to lower case.
    "updateReorderLevel": sql.Identifier("updatereorderlevel"),
    "updateOUTLevel": sql.Identifier("updateoutlevel"),
}


def update_levels(ctx: JobContext, *, function: LevelFunction, what: str) -> str:
    """Call ``function(itemsite_id, days, periods)`` on every selected item site, in one
    transaction as the screen's single statement does."""
    statement = sql.SQL(named_sql.query("update_levels_run")).format(
        function=_IDENTIFIERS[function]
    )
    periods = period_ids(ctx.params)
    days = lookahead(ctx.params)
    chosen = Selection.from_params(ctx.params)
    require_functions(ctx, Needed(signature=f"{function}(integer, integer, integer[])"))
    with ctx.conn.transaction():
        rows = ctx.conn.execute(
            statement,
            {
                **chosen.as_sql_params(),
                "periods": periods,
                "leadtimepad": days.leadtimepad,
                "fixedlookahead": days.fixedlookahead,
            },
        ).fetchall()
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
