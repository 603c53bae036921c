"""UpdateReorderLevel and UpdateOUTLevel: usage over periods times days of stock."""

from __future__ import annotations

import pytest

from tasks.kinds.update_out_level import update_out_level
from tasks.kinds.update_reorder_level import update_reorder_level
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import FunctionMissing, ParameterInvalid


@pytest.fixture
def usage(conn: Conn) -> dict[str, int]:
    """Two item sites (planner codes MRP and REORDER) that shipped 300 in a 30-day period."""
    conn.execute(
        "INSERT INTO item (item_number, item_classcode_id)"
        " VALUES ('WIDGET', 1), ('BOLT', 2);"
        "INSERT INTO itemsite (itemsite_item_id, itemsite_warehous_id, itemsite_plancode_id,"
        "  itemsite_leadtime, itemsite_stocked)"
        " VALUES (1, 1, 1, 5, false), (2, 1, 2, 5, true);"
        "INSERT INTO period (period_start, period_end) VALUES ('2024-04-01', '2024-04-30');"
        "INSERT INTO invhist (invhist_itemsite_id, invhist_transdate, invhist_transtype,"
        "  invhist_invqty)"
        " VALUES (1, '2024-04-10', 'SH', 300), (1, '2024-04-11', 'RP', 999);"
    )
    return {"widget": 1, "bolt": 2, "period": 1}


def levels(conn: Conn, column: str) -> dict[int, float]:
    rows = conn.execute(f"SELECT itemsite_id, {column} AS v FROM itemsite").fetchall()
    return {row["itemsite_id"]: float(row["v"]) for row in rows}


def test_reorder_level_from_lead_time_plus_pad(
    conn: Conn, make_ctx: MakeContext, usage: dict[str, int]
) -> None:
    run = make_ctx(
        "UpdateReorderLevel", [("period_id_list", "1", "QString"), ("leadtimepad", "2", "int")]
    )

    summary = update_reorder_level(run.ctx)

    # 300 over 30 days = 10 a day, for 5 + 2 days; the stocked BOLT never goes below 1.
    assert levels(conn, "itemsite_reorderlevel") == {1: 70.0, 2: 1.0}
    assert summary == "reorder levels updated for 2 of 2 item site(s)"


def test_reorder_level_for_a_planner_code_pattern_with_fixed_days(
    conn: Conn, make_ctx: MakeContext, usage: dict[str, int]
) -> None:
    run = make_ctx(
        "UpdateReorderLevel",
        [
            ("period_id_list", "1", None),
            ("fixedlookahead", "3", "int"),
            ("plancode_pattern", "^MR", "QString"),
            ("warehous_id", "1", "int"),
        ],
    )

    update_reorder_level(run.ctx)

    assert levels(conn, "itemsite_reorderlevel") == {1: 30.0, 2: 0.0}


def test_out_level_updates_order_to_quantity(
    conn: Conn, make_ctx: MakeContext, usage: dict[str, int]
) -> None:
    run = make_ctx(
        "UpdateOUTLevel",
        [("period_id_list", "{1}", "QString"), ("fixedlookahead", "12", "int")],
    )

    summary = update_out_level(run.ctx) or ""

    assert levels(conn, "itemsite_ordertoqty") == {1: 120.0, 2: 0.0}
    assert "order up to levels updated for 2 of 2" in summary


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("leadtimepad", "2", "int")], "'period_id_list' is missing: expected a list"),
        (
            [("period_id_list", "1,April", "QString"), ("leadtimepad", "2", "int")],
            "'period_id_list' is malformed",
        ),
    ],
    ids=["missing", "malformed"],
)
def test_a_bad_period_list_names_the_parameter(
    conn: Conn,
    make_ctx: MakeContext,
    usage: dict[str, int],
    params: list[tuple[str, str, str]],
    message: str,
) -> None:
    run = make_ctx("UpdateReorderLevel", params)
    with pytest.raises(ParameterInvalid, match=message):
        update_reorder_level(run.ctx)


def test_days_of_stock_must_be_given_once(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("UpdateOUTLevel", [("period_id_list", "1", "QString")])
    with pytest.raises(ParameterInvalid, match=r"'leadtimepad' and 'fixedlookahead'.*neither"):
        update_out_level(run.ctx)


def test_bad_planner_code_pattern_is_named(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx(
        "UpdateReorderLevel",
        [
            ("period_id_list", "1", "QString"),
            ("leadtimepad", "1", "int"),
            ("plancode_pattern", "([", "QString"),
        ],
    )
    with pytest.raises(ParameterInvalid, match="'plancode_pattern' is malformed"):
        update_reorder_level(run.ctx)


def test_missing_function_is_named(conn: Conn, make_ctx: MakeContext) -> None:
    conn.execute("DROP FUNCTION updateOUTLevel(integer, integer, integer[])")
    run = make_ctx(
        "UpdateOUTLevel", [("period_id_list", "1", "QString"), ("leadtimepad", "1", "int")]
    )
    with pytest.raises(FunctionMissing, match=r"updateOUTLevel\(integer, integer, integer\[\]\)"):
        update_out_level(run.ctx)
