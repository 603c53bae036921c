"""UpdateActualCost, UpdateStandardCost and PostActualCost: doUpdateCosts / doPostCosts."""

from __future__ import annotations

import pytest

from tasks.kinds.post_actual_cost import post_actual_cost
from tasks.kinds.update_actual_cost import update_actual_cost
from tasks.kinds.update_standard_cost import update_standard_cost
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import FunctionMissing, ParameterInvalid

MATERIAL = 1


@pytest.fixture
def bom(conn: Conn) -> None:
    """TOY (class TOYS) is made of 2 WHEELs and 1 AXLE (class PARTS), with material costs."""
    conn.execute(
        "INSERT INTO item (item_id, item_number, item_classcode_id, item_type)"
        " VALUES (1, 'TOY', 1, 'M'), (2, 'WHEEL', 2, 'P'), (3, 'AXLE', 2, 'P');"
        "INSERT INTO bomitem (bomitem_parent_item_id, bomitem_item_id, bomitem_qtyper)"
        " VALUES (1, 2, 2), (1, 3, 1);"
        "INSERT INTO itemcost (itemcost_item_id, itemcost_costelem_id, itemcost_lowlevel,"
        "  itemcost_stdcost, itemcost_actcost)"
        " VALUES (2, 1, false, 1.00, 1.50), (3, 1, false, 4.00, 5.00), (3, 5, false, 0, 0.25);"
    )


def cost(conn: Conn, item: int, element: int, lowlevel: bool) -> tuple[float, float]:
    row = conn.execute(
        "SELECT itemcost_stdcost AS std, itemcost_actcost AS act FROM itemcost"
        " WHERE itemcost_item_id = %s AND itemcost_costelem_id = %s AND itemcost_lowlevel = %s",
        (item, element, lowlevel),
    ).fetchone()
    assert row is not None, "no such cost"
    return float(row["std"]), float(row["act"])


def test_update_actual_cost_of_one_item_rolls_up_lower_material(
    conn: Conn, make_ctx: MakeContext, bom: None
) -> None:
    run = make_ctx("UpdateActualCost", [("item_id", "1", "int"), ("LowerMaterial", "", None)])

    summary = update_actual_cost(run.ctx)

    assert cost(conn, 1, MATERIAL, True) == (0.0, 2 * 1.50 + 5.00)
    assert summary == "actual costs updated for 1 item(s) (item 1)"


def test_update_standard_cost_by_class_code_pattern(
    conn: Conn, make_ctx: MakeContext, bom: None
) -> None:
    run = make_ctx(
        "UpdateStandardCost",
        [("classcode_pattern", "^TOY", "QString"), ("LowerMaterial", None, None)],
    )

    summary = update_standard_cost(run.ctx)

    assert cost(conn, 1, MATERIAL, True) == (2 * 1.00 + 4.00, 0.0)
    assert summary == "standard costs updated for 1 item(s) (class codes matching ^TOY)"


def test_update_actual_cost_of_every_item_without_a_selector(
    conn: Conn, make_ctx: MakeContext, bom: None
) -> None:
    run = make_ctx("UpdateActualCost", [("LowerMaterial", "", None)])

    summary = update_actual_cost(run.ctx)

    assert cost(conn, 1, MATERIAL, True) == (0.0, 8.0)
    assert summary == "actual costs updated for 3 item(s) (all)"


def test_unchecked_elements_are_left_alone(conn: Conn, make_ctx: MakeContext, bom: None) -> None:
    run = make_ctx("UpdateActualCost", [("item_id", "1", "int"), ("LowerDirectLabor", "", None)])
    update_actual_cost(run.ctx)
    assert conn.execute(
        "SELECT count(*) AS n FROM itemcost WHERE itemcost_costelem_id = %s AND itemcost_lowlevel",
        (MATERIAL,),
    ).fetchone() == {"n": 0}


def test_unknown_item_is_a_parameter_error(conn: Conn, make_ctx: MakeContext, bom: None) -> None:
    run = make_ctx("UpdateStandardCost", [("item_id", "99", "int"), ("RollUp", "", None)])
    with pytest.raises(ParameterInvalid, match="'item_id' names no item"):
        update_standard_cost(run.ctx)


def test_malformed_class_code_id_is_named(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("UpdateActualCost", [("classcode_id", "TOYS", "QString")])
    with pytest.raises(ParameterInvalid, match="'classcode_id' is malformed: expected the id"):
        update_actual_cost(run.ctx)


def test_post_actual_cost_posts_only_the_chosen_elements(
    conn: Conn, make_ctx: MakeContext, bom: None
) -> None:
    run = make_ctx("PostActualCost", [("classcode_id", "2", "int"), ("Material", "", None)])

    summary = post_actual_cost(run.ctx)

    assert cost(conn, 2, MATERIAL, False) == (1.50, 1.50)
    assert cost(conn, 3, MATERIAL, False) == (5.00, 5.00)
    assert cost(conn, 3, 5, False) == (0.0, 0.25)  # user cost element, User not checked
    assert summary == "actual costs posted for 2 item(s) (class code 2), 2 cost element(s) posted"


def test_post_actual_cost_of_every_item_needs_the_all_items_function(
    conn: Conn, make_ctx: MakeContext
) -> None:
    conn.execute("DROP FUNCTION doPostCosts(" + ", ".join(["boolean"] * 11) + ")")
    run = make_ctx("PostActualCost", [("Material", "", None)])
    with pytest.raises(FunctionMissing, match=r"doPostCosts\(boolean, .*boolean\), from xTuple"):
        post_actual_cost(run.ctx)
