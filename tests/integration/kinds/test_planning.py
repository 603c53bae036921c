"""RunMRP and ReleasePlannedOrders (xTuple's manufacturing package)."""

from __future__ import annotations

import pytest

from tasks.kinds.release_planned_orders import release_planned_orders
from tasks.kinds.run_mrp import run_mrp
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import FunctionMissing, ParameterInvalid


@pytest.fixture
def sites(conn: Conn) -> None:
    """TOY (manufactured, planner MRP) and WHEEL (purchased, planner REORDER), both short."""
    conn.execute(
        "INSERT INTO item (item_number, item_classcode_id, item_type)"
        " VALUES ('TOY', 1, 'M'), ('WHEEL', 2, 'P');"
        "INSERT INTO itemsite (itemsite_item_id, itemsite_warehous_id, itemsite_plancode_id,"
        "  itemsite_reorderlevel, itemsite_ordertoqty, itemsite_qtyonhand, itemsite_leadtime)"
        " VALUES (1, 1, 1, 10, 50, 2, 3), (2, 1, 2, 5, 20, 0, 7);"
    )


def planned(conn: Conn) -> list[tuple[int, str, float, bool]]:
    rows = conn.execute(
        "SELECT planord_itemsite_id AS s, planord_type AS t, planord_qty AS q, planord_firm AS f"
        " FROM planord ORDER BY planord_itemsite_id, planord_id"
    ).fetchall()
    return [(r["s"], r["t"], float(r["q"]), r["f"]) for r in rows]


def test_run_mrp_plans_each_item_site_with_progress(
    conn: Conn, make_ctx: MakeContext, sites: None
) -> None:
    run = make_ctx(
        "RunMRP",
        [
            ("MPS", "false", "bool"),
            ("planningType", "M", "QString"),
            ("cutOffDate", "2000-01-01", "QDate"),  # the offset wins: it is relative to the run
            ("cutoff_offset", "30", "int"),
            ("deleteFirmed", "false", "bool"),
        ],
    )

    summary = run_mrp(run.ctx) or ""

    assert planned(conn) == [(1, "W", 48.0, False), (2, "P", 20.0, False)]
    assert [(k, n) for k, n, _ in run.progress] == [(1, 2), (2, 2)]
    assert run.progress[0][2] == "item site TOY at WH1"
    assert summary.endswith(": 2 item site(s) planned, 2 planned order(s) created")


def test_run_mrp_keeps_firmed_orders_unless_asked(
    conn: Conn, make_ctx: MakeContext, sites: None
) -> None:
    conn.execute(
        "INSERT INTO planord (planord_type, planord_itemsite_id, planord_qty, planord_startdate,"
        " planord_duedate, planord_firm) VALUES ('W', 1, 100, current_date, current_date, true)"
    )
    run = make_ctx("RunMRP", [("cutoff_offset", "30", "int"), ("plancode_id", "1", "int")])

    run_mrp(run.ctx)

    assert planned(conn) == [(1, "W", 100.0, True)]  # enough with the firmed order
    run = make_ctx(
        "RunMRP",
        [("cutoff_offset", "30", "int"), ("plancode_id", "1", "int"), ("DeleteFirmed", "", None)],
    )
    run_mrp(run.ctx)
    assert planned(conn) == [(1, "W", 48.0, False)]


def test_run_mrp_needs_a_cutoff(conn: Conn, make_ctx: MakeContext) -> None:
    with pytest.raises(ParameterInvalid, match="'cutoff_offset' is missing: expected a whole"):
        run_mrp(make_ctx("RunMRP", [("MPS", "false", "bool")]).ctx)


def test_run_mrp_without_the_manufacturing_package_names_it(
    conn: Conn, make_ctx: MakeContext, sites: None
) -> None:
    conn.execute("DROP FUNCTION createPlannedOrders(integer, date, boolean, boolean)")
    run = make_ctx("RunMRP", [("cutoff_offset", "30", "int")])
    with pytest.raises(FunctionMissing) as failed:
        run_mrp(run.ctx)
    assert "createPlannedOrders(integer, date, boolean, boolean)" in failed.value.message
    assert "xTuple's manufacturing package (xtmfg)" in failed.value.message
    assert run.progress == []


def test_release_planned_orders_up_to_the_cutoff(
    conn: Conn, make_ctx: MakeContext, sites: None
) -> None:
    conn.execute(
        "INSERT INTO planord (planord_type, planord_itemsite_id, planord_qty, planord_startdate,"
        " planord_duedate, planord_firm) VALUES"
        " ('W', 1, 10, current_date + 1, current_date + 4, true),"
        " ('P', 2, 20, current_date + 2, current_date + 9, false),"
        " ('P', 2, 30, current_date + 60, current_date + 67, true)"
    )
    run = make_ctx("ReleasePlannedOrders", [("cutoff_offset", "7", "int")])

    summary = release_planned_orders(run.ctx) or ""

    assert summary.startswith("2 planned order(s) starting by ")
    assert planned(conn) == [(2, "P", 30.0, True)]
    wo = conn.execute("SELECT wo_itemsite_id AS s, wo_qtyord AS q FROM wo").fetchall()
    pr = conn.execute("SELECT pr_itemsite_id AS s, pr_qtyreq AS q FROM pr").fetchall()
    assert [(r["s"], float(r["q"])) for r in wo] == [(1, 10.0)]
    assert [(r["s"], float(r["q"])) for r in pr] == [(2, 20.0)]


def test_release_firmed_only(conn: Conn, make_ctx: MakeContext, sites: None) -> None:
    conn.execute(
        "INSERT INTO planord (planord_type, planord_itemsite_id, planord_qty, planord_startdate,"
        " planord_duedate, planord_firm) VALUES"
        " ('W', 1, 10, current_date, current_date + 3, true),"
        " ('P', 2, 20, current_date, current_date + 7, false)"
    )
    run = make_ctx(
        "ReleasePlannedOrders",
        [
            ("cutoff_offset", "7", "int"),
            ("firmedOnly", "true", "bool"),
            ("warehous_id", "1", "int"),
        ],
    )
    release_planned_orders(run.ctx)
    assert planned(conn) == [(2, "P", 20.0, False)]


def test_release_needs_the_cutoff_offset_as_a_number(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("ReleasePlannedOrders", [("cutoff_offset", "next week", "QString")])
    with pytest.raises(ParameterInvalid, match="'cutoff_offset' is malformed: expected a whole"):
        release_planned_orders(run.ctx)
