"""Cost jobs (Update Actual/Standard Costs, Post Actual Costs): the cost-element flags the
client submits and the selection by item, by class code or of every item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from psycopg import sql

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.kinds.selectors import Selection
from xtbatch import db
from xtbatch import sql as named_sql
from xtbatch.errors import ParameterInvalid
from xtbatch.params import Params

_B = "boolean"
UPDATE_ONE = Needed(signature=f"doUpdateCosts(integer, {', '.join([_B] * 11)})")
UPDATE_ALL = Needed(signature=f"doUpdateCosts({', '.join([_B] * 10)})")
POST_ONE = Needed(signature=f"doPostCosts(integer, {', '.join([_B] * 12)})")
POST_ALL = Needed(signature=f"doPostCosts({', '.join([_B] * 11)})")

# The statement for each scope of a cost job: one item, a class code's items, every item.
UPDATE_BLOCKS = {
    "item": "update_costs_item",
    "class code": "update_costs_class_code",
    "all": "update_costs_all",
}
POST_BLOCKS = {
    "item": "post_costs_item",
    "class code": "post_costs_class_code",
    "all": "post_costs_all",
}


@dataclass(frozen=True, kw_only=True)
class CostFlags:
    """The check boxes of the cost screens; the client submits each checked one as a flag."""

    material: bool
    lower_material: bool
    direct_labor: bool
    lower_direct_labor: bool
    overhead: bool
    lower_overhead: bool
    machine_overhead: bool
    lower_machine_overhead: bool
    user: bool
    lower_user: bool
    roll_up: bool

    @classmethod
    def from_params(cls, params: Params) -> CostFlags:
        return cls(
            material=params.flag("Material"),
            lower_material=params.flag("LowerMaterial"),
            direct_labor=params.flag("DirectLabor"),
            lower_direct_labor=params.flag("LowerDirectLabor"),
            overhead=params.flag("Overhead"),
            lower_overhead=params.flag("LowerOverhead"),
            machine_overhead=params.flag("MachineOverhead"),
            lower_machine_overhead=params.flag("LowerMachineOverhead"),
            user=params.flag("User"),
            lower_user=params.flag("LowerUser"),
            roll_up=params.flag("RollUp"),
        )

    def describe(self) -> str:
        chosen = [name for name, on in asdict(self).items() if on]
        return ", ".join(chosen) if chosen else "no cost elements"


def selection(ctx: JobContext) -> Selection:
    """The item or class code selection of a cost job; an item id must name an item.

    Raises:
        ParameterInvalid: a malformed selector, or an item id no item has.
    """
    chosen = Selection.from_params(ctx.params)
    if chosen.item_id is not None and not db.scalar(
        ctx.conn, "kinds_item_exists", {"item_id": chosen.item_id}
    ):
        raise ParameterInvalid(
            f"Parameter 'item_id' names no item: expected the id of an item, got {chosen.item_id}."
        )
    return chosen


def scope(chosen: Selection) -> str:
    """What a cost job works on: one item, the items of class codes, or every item."""
    if chosen.item_id is not None:
        return "item"
    if chosen.classcode_id is not None or chosen.classcode_pattern is not None:
        return "class code"
    return "all"


def statement(blocks: Mapping[str, str], chosen_scope: str) -> sql.Composed:
    """The statement of a cost job's scope; a class code's selects its items with the
    ``class_code_items`` block."""
    items = sql.SQL(named_sql.query("class_code_items"))
    return sql.SQL(named_sql.query(blocks[chosen_scope])).format(items=items)


def update_costs(ctx: JobContext, *, actual: bool) -> str:
    """doUpdateCosts() as Update Actual/Standard Costs by Item or by Class Code call it."""
    which = "actual" if actual else "standard"
    chosen = selection(ctx)
    flags = CostFlags.from_params(ctx.params)
    chosen_scope = scope(chosen)
    require_functions(ctx, UPDATE_ALL if chosen_scope == "all" else UPDATE_ONE)
    args: dict[str, Any] = {**asdict(flags), **chosen.as_sql_params(), "actual": actual}
    with ctx.conn.transaction():
        row = ctx.conn.execute(statement(UPDATE_BLOCKS, chosen_scope), args).fetchone()
    items = int(row["items"]) if row else 0
    ctx.log.info(
        "updated %s costs of %d item(s) (%s; %s)",
        which,
        items,
        chosen.describe(),
        flags.describe(),
        extra={"action": "kind.costs_updated", "items": items},
    )
    return f"{which} costs updated for {items} item(s) ({chosen.describe()})"


def post_costs(ctx: JobContext) -> str:
    """doPostCosts() as Post Actual Costs by Item or by Class Code call it."""
    chosen = selection(ctx)
    flags = CostFlags.from_params(ctx.params)
    chosen_scope = scope(chosen)
    require_functions(ctx, POST_ALL if chosen_scope == "all" else POST_ONE)
    args: dict[str, Any] = {**asdict(flags), **chosen.as_sql_params()}
    with ctx.conn.transaction():
        row = ctx.conn.execute(statement(POST_BLOCKS, chosen_scope), args).fetchone()
    items = int(row["items"]) if row else 0
    posted = row.get("posted") if row else None
    ctx.log.info(
        "posted actual costs to standard for %d item(s) (%s; %s): %s cost element(s) posted",
        items,
        chosen.describe(),
        flags.describe(),
        "some" if posted is None else posted,
        extra={"action": "kind.costs_posted", "items": items, "posted": posted},
    )
    detail = "" if posted is None else f", {posted} cost element(s) posted"
    return f"actual costs posted for {items} item(s) ({chosen.describe()}){detail}"
