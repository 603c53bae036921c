"""AllocateReservations, UpdateLateCustCreditStatus and the CreateRecurring* kinds."""

from __future__ import annotations

import pytest

from tasks.kinds.allocate_reservations import allocate_reservations
from tasks.kinds.create_recurring import create_recurring
from tasks.kinds.update_late_cust_credit_status import update_late_cust_credit_status
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import FunctionMissing, ParameterInvalid, PrivilegeMissing


@pytest.fixture
def orders(conn: Conn) -> None:
    """Customer RETAIL (type R) and WHOLESALE (type W), an order each, 10 WIDGETs on hand."""
    conn.execute(
        "INSERT INTO custtype (custtype_code) VALUES ('R'), ('W');"
        "INSERT INTO custinfo (cust_number, cust_custtype_id, cust_gracedays)"
        " VALUES ('RETAIL', 1, NULL), ('WHOLESALE', 2, 5), ('MANUAL', 1, NULL);"
        "UPDATE custinfo SET cust_autoupdatestatus = false WHERE cust_number = 'MANUAL';"
        "INSERT INTO item (item_number, item_classcode_id) VALUES ('WIDGET', 1);"
        "INSERT INTO itemsite (itemsite_item_id, itemsite_warehous_id, itemsite_plancode_id,"
        "  itemsite_qtyonhand) VALUES (1, 1, 1, 10);"
        "INSERT INTO cohead (cohead_number, cohead_cust_id) VALUES ('S1', 1), ('S2', 2);"
        "INSERT INTO coitem (coitem_cohead_id, coitem_itemsite_id, coitem_scheddate,"
        "  coitem_qtyord) VALUES (1, 1, current_date + 1, 4), (2, 1, current_date + 2, 3),"
        "  (1, 1, current_date + 40, 2);"
    )


# The date window of the orders to reserve for: today to a week ahead.
NEXT_WEEK = [("startDateOffset", "0", "int"), ("endDateOffset", "7", "int")]


def reserved(conn: Conn) -> list[float]:
    rows = conn.execute("SELECT coitem_qtyreserved AS q FROM coitem ORDER BY coitem_id")
    return [float(r["q"]) for r in rows.fetchall()]


def test_allocate_reservations_within_the_date_window(
    conn: Conn, make_ctx: MakeContext, orders: None
) -> None:
    run = make_ctx("AllocateReservations", [("addPackingList", "true", "bool"), *NEXT_WEEK])

    summary = allocate_reservations(run.ctx) or ""

    assert reserved(conn) == [4.0, 3.0, 0.0]
    assert conn.execute("SELECT count(*) AS n FROM pack").fetchone() == {"n": 2}
    assert summary.startswith("2 sales order line(s) scheduled ")
    assert summary.endswith("considered, 7.000000 reserved")


def test_allocate_reservations_for_a_customer_type_pattern(
    conn: Conn, make_ctx: MakeContext, orders: None
) -> None:
    run = make_ctx("AllocateReservations", [*NEXT_WEEK, ("custtype_pattern", "^W", "QString")])
    allocate_reservations(run.ctx)
    assert reserved(conn) == [0.0, 3.0, 0.0]
    assert conn.execute("SELECT count(*) AS n FROM pack").fetchone() == {"n": 0}


def test_allocate_reservations_needs_the_end_offset(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("AllocateReservations", [("startDateOffset", "0", "int")])
    with pytest.raises(ParameterInvalid, match="'endDateOffset' is missing: expected a whole"):
        allocate_reservations(run.ctx)


def test_allocate_reservations_without_the_function_names_it(
    conn: Conn, make_ctx: MakeContext
) -> None:
    conn.execute("DROP FUNCTION reserveAllSo(boolean, date, date, integer, integer, integer, text)")
    run = make_ctx(
        "AllocateReservations", [("startDateOffset", "0", "int"), ("endDateOffset", "1", "int")]
    )
    with pytest.raises(FunctionMissing, match=r"reserveAllSo\(boolean, date, date"):
        allocate_reservations(run.ctx)


def test_late_customers_go_on_credit_warning(
    conn: Conn, make_ctx: MakeContext, orders: None
) -> None:
    conn.execute(
        "INSERT INTO aropen (aropen_cust_id, aropen_doctype, aropen_duedate)"
        " VALUES (1, 'I', current_date - 31), (2, 'I', current_date - 3),"
        "        (3, 'I', current_date - 90), (1, 'C', current_date - 90)"
    )

    summary = update_late_cust_credit_status(make_ctx("UpdateLateCustCreditStatus").ctx)

    rows = conn.execute("SELECT cust_number, cust_creditstatus FROM custinfo ORDER BY cust_id")
    assert [(r["cust_number"], r["cust_creditstatus"]) for r in rows.fetchall()] == [
        ("RETAIL", "W"),  # 31 days late, default grace 30
        ("WHOLESALE", "G"),  # 3 days late, grace 5
        ("MANUAL", "G"),  # not updated automatically
    ]
    assert summary == "1 customer(s) with past-due invoices put on credit warning"


def test_late_credit_status_without_update_privilege_names_user_and_grant(
    conn: Conn, role_conn: Conn, role: str, make_ctx: MakeContext
) -> None:
    run = make_ctx("UpdateLateCustCreditStatus", on=role_conn)
    with pytest.raises(PrivilegeMissing) as failed:
        update_late_cust_credit_status(run.ctx)
    assert f"database user '{role}' lacks the UPDATE privilege on table custinfo" in (
        failed.value.message
    )
    assert f"GRANT UPDATE ON TABLE custinfo TO {role};" in failed.value.message


def test_create_recurring_todos_creates_the_next_instance(
    conn: Conn, make_ctx: MakeContext
) -> None:
    conn.execute(
        "INSERT INTO todoitem (todoitem_name, todoitem_due_date) VALUES ('Count', current_date);"
        "INSERT INTO recur (recur_parent_id, recur_parent_type, recur_period)"
        " VALUES (1, 'TODO', 'W');"
    )
    run = make_ctx("CreateRecurringTodos", [("type", "TODO", "QString")])

    assert create_recurring(run.ctx) == "1 recurring to-do items created"

    rows = conn.execute(
        "SELECT todoitem_due_date - current_date AS days FROM todoitem ORDER BY todoitem_id"
    ).fetchall()
    assert [r["days"] for r in rows] == [0, 7]


def test_create_recurring_refuses_a_type_of_another_kind(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("CreateRecurringVouchers", [("type", "TODO", "QString")])
    with pytest.raises(ParameterInvalid, match="CreateRecurringVouchers expects 'V', got 'TODO'"):
        create_recurring(run.ctx)
