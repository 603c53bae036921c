"""The xTuple desktop client's submit and deliver screens, their statements verbatim as its
Qt driver sends them (tests/acceptance/xtuple/client_sql.py), by an ordinary xtrole member
after login(true); each job then runs on a real worker and bridge and ends correctly."""

from __future__ import annotations

import datetime as dt

from tests.acceptance.xtuple.client_sql import (
    DELIVER_EMAIL,
    DELIVER_INVOICE,
    DELIVER_PURCHASE_ORDER,
    DOC_REPORT,
    REPORTS,
    add_report,
    deliver_params,
    mail_to,
    pdf_text,
    submit_action,
    submit_report,
)
from tests.conftest import Mailbox
from tests.harness import Stack
from tests.qt_client import QtSession, QtTzDateTime
from tests.xtuple_db import XtupleDb
from tests.xvariant_encoder import StringList


def test_submit_action_asap_and_scheduled_run_and_notify_the_submitter(
    erp: XtupleDb, client: QtSession, running: Stack, mailbox: Mailbox
) -> None:
    soon = (dt.datetime.now() + dt.timedelta(seconds=3)).replace(microsecond=0)
    asap = submit_action(client, "Ping", erp.clerk.email, [("action_name", "Ping")])
    scheduled = submit_action(
        client, "Ping", erp.clerk.email, [("action_name", "Ping"), ("seconds", 0.2)], soon
    )
    later_qt = submit_action(
        client, "Ping", erp.clerk.email, [("action_name", "Ping")], QtTzDateTime(soon.astimezone())
    )
    for batch_id in (asap, scheduled, later_qt):
        job = erp.wait_done(batch_id)
        assert job["batch_exitstatus"] == "", job
        assert job["batch_user"] == erp.clerk.name
    assert erp.job(scheduled)["batch_scheduled"] == soon
    assert erp.job(later_qt)["batch_scheduled"] == soon
    assert erp.job(scheduled)["batch_started"] >= soon
    assert erp.all(
        "SELECT batchparam_name, batchparam_type, batchparam_value FROM xtbatch.batchparam"
        " WHERE batchparam_batch_id = %s ORDER BY batchparam_order",
        (scheduled,),
    ) == [
        {
            "batchparam_name": "action_name",
            "batchparam_type": "QString",
            "batchparam_value": "Ping",
        },
        {"batchparam_name": "seconds", "batchparam_type": "double", "batchparam_value": "0.2"},
    ]
    subjects = sorted(m["Subject"] for m in mail_to(mailbox, erp.clerk.email, 3))
    assert subjects == sorted(
        f"Batch job {i} (Ping) completed" for i in (asap, scheduled, later_qt)
    )


def test_submit_report_with_the_clients_encoded_lists_mails_the_right_pdf(
    erp: XtupleDb, client: QtSession, running: Stack, mailbox: Mailbox
) -> None:
    add_report(erp, "xt_periods", (REPORTS / "xt_periods.xml").read_text())
    erp.run(
        "CREATE TABLE xt_period (period_id integer, period_name text, period_site text);"
        "INSERT INTO xt_period VALUES (1, 'January', 'Smith & Sons, Ltd'),"
        " (2, 'February', 'Smith & Sons, Ltd'), (3, 'March', 'The \"Depot\"'),"
        " (4, 'April', 'Elsewhere'), (5, 'May', 'The \"Depot\"')"
    )
    sites = StringList(("Smith & Sons, Ltd", 'The "Depot"'))
    asap = submit_report(
        client,
        "xt_periods",
        "planner@example.com",
        [("period_id_list", [2, 3, 4]), ("sites", sites), ("title", 'Q1 "usage" & more')],
    )
    soon = (dt.datetime.now() + dt.timedelta(seconds=2)).replace(microsecond=0)
    later = submit_report(
        client,
        "xt_periods",
        "later@example.com",
        [("period_id_list", [1, 5]), ("sites", sites), ("title", "Later")],
        soon,
    )
    assert erp.one(
        "SELECT batchparam_value FROM xtbatch.batchparam WHERE batchparam_batch_id = %s"
        " AND batchparam_name = 'period_id_list'",
        (asap,),
    ) == {"batchparam_value": '"int":"2","int":"3","int":"4"'}
    for batch_id in (asap, later):
        assert erp.wait_done(batch_id)["batch_exitstatus"] == ""
    (first,) = mail_to(mailbox, "planner@example.com")
    text = pdf_text(first)
    assert 'Q1 "usage" & more' in text
    assert "February" in text and "March" in text and "Smith & Sons, Ltd" in text
    assert "April" not in text and "January" not in text  # April's site was not chosen
    (second,) = mail_to(mailbox, "later@example.com")
    text = pdf_text(second)
    assert "January" in text and "May" in text and "March" not in text
    assert erp.job(later)["batch_started"] >= soon


def test_the_deliver_screens_eight_and_nine_argument_forms_run_and_mail(
    erp: XtupleDb, client: QtSession, running: Stack, mailbox: Mailbox
) -> None:
    add_report(erp, "Invoice", DOC_REPORT.format(name="Invoice", param="invchead_id"))
    add_report(erp, "PurchaseOrder", DOC_REPORT.format(name="PurchaseOrder", param="pohead_id"))
    # deliverEmail::submitEmail binds no :fileName: Qt sends NULL.
    email = client.exec(
        DELIVER_EMAIL,
        {
            "fromEmail": erp.clerk.email,
            "emailAddress": "customer@example.com",
            "ccAddress": "",
            "subject": "Your order",
            "emailBody": "<p>Shipped today.</p>",
            "emailHTML": True,
        },
    )[0]["batch_id"]
    invoice = client.exec(
        DELIVER_INVOICE,
        {
            "reportname": "Invoice",
            "fromEmail": "billing@example.com",
            "emailAddress": "payer@example.com",
            "ccAddress": "",
            "subject": "Invoice 60001",
            "fileName": "invoice-60001",
            "emailBody": "Please find your invoice attached.",
            "emailHTML": False,
        },
    )[0]["batch_id"]
    deliver_params(client, invoice, "invchead_id", 60001, "Emailed Customer Copy")
    order = client.exec(
        DELIVER_PURCHASE_ORDER,
        {
            "fromEmail": "buyer@example.com",
            "emailAddress": "vendor@example.com",
            "ccAddress": "",
            "subject": "PO 70002",
            "fileName": "po-70002",
            "emailBody": "Our order.",
        },
    )[0]["batch_id"]
    deliver_params(client, order, "pohead_id", 70002, "Emailed Vendor Copy")
    for batch_id in (email, invoice, order):
        assert erp.wait_done(batch_id)["batch_exitstatus"] == ""

    (plain,) = mail_to(mailbox, "customer@example.com")
    assert (plain["From"], plain["Subject"]) == (erp.clerk.email, "Your order")
    html = plain.get_body(("html",))
    assert html is not None and "Shipped today." in html.get_content()
    (payer,) = mail_to(mailbox, "payer@example.com")
    assert "Document 60001" in pdf_text(payer) and "Emailed Customer Copy" in pdf_text(payer)
    (vendor,) = mail_to(mailbox, "vendor@example.com")
    assert "Document 70002" in pdf_text(vendor) and "Emailed Vendor Copy" in pdf_text(vendor)
    assert erp.job(order)["batch_parameter"] == "PurchaseOrder"
