"""The xTuple desktop client's batch statements, verbatim, as its Qt driver sends them (named
parameters, untyped values: tests/qt_client.py), by an ordinary xtrole member after
login(true); each job then runs on a real worker and bridge and ends correctly. Statements
from Pegasus-RPG/xtuple-client: guiclient/submitAction.cpp, submitReport.cpp,
deliverEmail.cpp, deliverInvoice.cpp, deliverPurchaseOrder.cpp; common/batchManager.cpp and
batchItem.cpp (at the parent of commit 14ae5447). And xTuple's own hasAlarms()."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.conftest import Mailbox
from tests.harness import Stack, wait_for
from tests.qt_client import QtSession, QtTzDateTime
from tests.xtuple_db import XtupleDb
from tests.xvariant_encoder import StringList, encode, to_string, type_name
from xtbatch.report.metasql import render

REPORTS = Path(__file__).parents[2] / "fixtures" / "reports"

# guiclient/submitAction.cpp
SUBMIT_ACTION_ASAP = (
    "SELECT xtbatch.submitActionToBatch(:action, :emailAddress, CURRENT_TIMESTAMP) AS batch_id;"
)
SUBMIT_ACTION_AT = (
    "SELECT xtbatch.submitActionToBatch(:action, :emailAddress, :scheduled) AS batch_id;"
)
ACTION_PARAM = (
    "INSERT INTO xtbatch.batchparam "
    "( batchparam_batch_id, batchparam_order,"
    "  batchparam_name, batchparam_type, batchparam_value ) "
    "VALUES "
    "( :batchparam_batch_id, :batchparam_order,"
    "  :batchparam_name, :batchparam_type, :batchparam_value );"
)
# guiclient/submitReport.cpp
SUBMIT_REPORT_ASAP = (
    "SELECT submitReportToBatch(:reportName, :fromEmail, :emailAddress, '', :responseBody, "
    "'', CURRENT_TIMESTAMP) AS batch_id;"
)
SUBMIT_REPORT_AT = (
    "SELECT submitReportToBatch(:reportName, :fromEmail, :emailAddress, '', :responseBody, "
    "'', :scheduled) AS batch_id;"
)
REPORT_PARAM = ACTION_PARAM.replace("INSERT INTO xtbatch.batchparam ", "INSERT INTO batchparam ")
# guiclient/deliverEmail.cpp, deliverInvoice.cpp (deliverSalesOrder.cpp is the same call),
# deliverPurchaseOrder.cpp
DELIVER_EMAIL = (
    "SELECT submitEmailToBatch( :fromEmail, :emailAddress, :ccAddress, :subject,"
    "                            :emailBody, :fileName, CURRENT_TIMESTAMP, :emailHTML) AS batch_id;"
)
DELIVER_INVOICE = (
    "SELECT submitReportToBatch( :reportname, :fromEmail, :emailAddress, :ccAddress, :subject,"
    "                            :emailBody, :fileName, CURRENT_TIMESTAMP, :emailHTML) AS batch_id;"
)
DELIVER_PURCHASE_ORDER = (
    "SELECT submitReportToBatch( 'PurchaseOrder', :fromEmail, :emailAddress, :ccAddress, "
    ":subject,                            :emailBody, :fileName, CURRENT_TIMESTAMP) AS batch_id;"
)
DELIVER_PARAM = (
    "INSERT INTO batchparam "
    "( batchparam_batch_id, batchparam_order,"
    "  batchparam_name, batchparam_value ) "
    "VALUES "
    "( :batchparam_batch_id, :batchparam_order,"
    "  :batchparam_name, :batchparam_value );"
)
# common/batchManager.cpp: the list (MetaSQL), Retry and Cancel
BATCH_LIST = (
    "SELECT batch_id, *,"
    '       CASE WHEN (batch_started IS NULL)   THEN <? value("scheduled") ?>'
    '            WHEN (batch_completed IS NULL) THEN <? value("inProcess") ?>'
    '            ELSE <? value("completed") ?>'
    "       END AS runstatus,"
    "       firstLine(batch_exitstatus) AS exitstatus "
    "  FROM xtbatch.batch "
    " WHERE((true) "
    '<? if not exists("showCompleted") ?>'
    "   AND (batch_completed IS NULL)"
    "<? endif ?>"
    '<? if exists("username") ?>'
    '   AND (batch_user=<? value("username") ?>)'
    '<? elseif exists("current_user") ?>'
    "   AND (batch_user=CURRENT_USER)"
    "<? endif ?>"
    ") "
    "ORDER BY batch_scheduled, batch_completed;"
)
RETRY = (
    "SELECT xtbatch.rescheduleBatchItem(batch_id,"
    "       batch_scheduled) AS result"
    "  FROM xtbatch.batch"
    " WHERE (batch_id=:batch_id);"
)
CANCEL = "SELECT xtbatch.cancelBatchItem(:batch_id) AS result;"
# common/batchItem.cpp: populate() and sSave()
BATCH_ITEM = (
    "SELECT batch_action, batch_parameter,"
    "       batch_user, batch_email,"
    "       date(batch_submitted) AS submitted_date,"
    "       CAST(batch_submitted AS TIME) AS submitted_time,"
    "       date(batch_scheduled) AS scheduled_date,"
    "       CAST(batch_scheduled AS TIME) AS scheduled_time,"
    "       date(batch_started) AS started_date,"
    "       CAST(batch_started AS TIME) AS started_time,"
    "       date(batch_completed) AS completed_date,"
    "       CAST(batch_completed AS TIME) AS completed_time,"
    "       batch_recurring_batch_id "
    "FROM xtbatch.batch "
    "WHERE (batch_id=:batch_id);"
)
RESCHEDULE = (
    "UPDATE xtbatch.batch"
    "   SET batch_scheduled=CAST(:date AS DATE) + CAST(:time AS TIME),"
    "       batch_started=NULL, batch_completed=NULL,"
    "       batch_recurring_batch_id=:parentid"
    " WHERE (batch_id=:batchid);"
)


@pytest.fixture
def client(erp: XtupleDb) -> Iterator[QtSession]:
    """The desktop client's session: the ordinary user, logged in with login(true)."""
    with erp.clerk.connect(erp) as conn:
        session = QtSession(conn)
        assert session.login() == 1
        yield session


def submit_action(
    client: QtSession,
    action: str,
    email: str,
    params: list[tuple[str, Any]],
    scheduled: dt.datetime | QtTzDateTime | None = None,
) -> int:
    """submitAction::sSubmit(): the job, then one batchparam row per parameter, the value as
    QVariant::toString() and its type name."""
    if scheduled is None:
        rows = client.exec(SUBMIT_ACTION_ASAP, {"action": action, "emailAddress": email})
    else:
        rows = client.exec(
            SUBMIT_ACTION_AT, {"action": action, "emailAddress": email, "scheduled": scheduled}
        )
    batch_id = int(rows[0]["batch_id"])
    for counter, (name, value) in enumerate(params):
        client.exec(
            ACTION_PARAM,
            {
                "batchparam_batch_id": batch_id,
                "batchparam_order": counter + 1,
                "batchparam_name": name,
                "batchparam_type": type_name(value),
                "batchparam_value": to_string(value),
            },
        )
    return batch_id


def submit_report(
    client: QtSession,
    report: str,
    email: str,
    params: list[tuple[str, Any]],
    scheduled: dt.datetime | None = None,
) -> int:
    """submitReport::sSubmit(): the job, then the report's parameters, XVariant-encoded."""
    binds: dict[str, Any] = {
        "reportName": report,
        "fromEmail": "reports@example.com",
        "emailAddress": email,
        "responseBody": "Your report, as requested.",
    }
    if scheduled is None:
        rows = client.exec(SUBMIT_REPORT_ASAP, binds)
    else:
        rows = client.exec(SUBMIT_REPORT_AT, {**binds, "scheduled": scheduled})
    batch_id = int(rows[0]["batch_id"])
    for counter, (name, value) in enumerate(params):
        client.exec(
            REPORT_PARAM,
            {
                "batchparam_batch_id": batch_id,
                "batchparam_order": counter + 1,
                "batchparam_name": name,
                "batchparam_type": type_name(value),
                "batchparam_value": encode(value),
            },
        )
    return batch_id


def add_report(erp: XtupleDb, name: str, source: str) -> None:
    erp.run(
        "INSERT INTO report (report_name, report_source, report_grade) VALUES (%s, %s, 0)",
        (name, source),
    )


def pdf_text(message: Any) -> str:
    (part,) = list(message.iter_attachments())
    reader = pypdf.PdfReader(io.BytesIO(part.get_content()))
    return "\n".join(page.extract_text() for page in reader.pages)


def mail_to(mailbox: Mailbox, address: str, count: int = 1) -> list[Any]:
    def found() -> list[Any]:
        return [m for m in mailbox.messages if m["To"] == address]

    return wait_for(
        lambda: (lambda got: got if len(got) >= count else None)(found()),
        30,
        f"{count} email(s) to {address}",
        lambda: [(m["To"], m["Subject"]) for m in mailbox.messages],
    )


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


DOC_REPORT = """<!DOCTYPE openRPTDef>
<report><title>{name}</title><name>{name}</name><size>Letter</size><portrait/>
 <querysource><name>doc</name>
  <sql>SELECT 'Document ' || &lt;? value("{param}") ?&gt; AS doc</sql></querysource>
 <rpthead><height>60</height>
  <field><rect><x>0</x><y>0</y><width>300</width><height>20</height></rect>
   <font><face>Helvetica</face><size>10</size></font><left/><top/>
   <data><query>doc</query><column>doc</column></data></field>
  <field><rect><x>0</x><y>30</y><width>300</width><height>20</height></rect>
   <font><face>Helvetica</face><size>10</size></font><left/><top/>
   <data><query>Parameter Query</query><column>title</column></data></field>
 </rpthead></report>"""


def deliver_params(client: QtSession, batch_id: int, name: str, value: int, title: str) -> None:
    """deliverInvoice / deliverPurchaseOrder: the document id bound as an int, then the title;
    no type column."""
    for order, (param, bound) in enumerate(((name, value), ("title", title)), start=1):
        client.exec(
            DELIVER_PARAM,
            {
                "batchparam_batch_id": batch_id,
                "batchparam_order": order,
                "batchparam_name": param,
                "batchparam_value": bound,
            },
        )


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


def batch_list(client: QtSession, **filters: Any) -> list[dict[str, Any]]:
    """batchManager::sFillList(): its MetaSQL, each value bound as MetaSQL binds it."""
    params: dict[str, Any] = {
        "scheduled": "Scheduled",
        "inProcess": "In-Process",
        "completed": "Done",
        **filters,
    }
    sql, bound = render(BATCH_LIST, params)
    named = re.sub(r"%\((\w+)\)s", r":\1", sql).replace("%%", "%")
    return client.exec(named, bound)


def test_the_batch_manager_lists_views_reschedules_retries_and_cancels(
    erp: XtupleDb, client: QtSession, running: Stack
) -> None:
    done = submit_action(client, "Ping", erp.clerk.email, [("action_name", "Ping")])
    failed = submit_action(client, "NoSuchKind", erp.clerk.email, [])
    future = submit_action(client, "Ping", erp.clerk.email, [], dt.datetime(2099, 1, 1, 9, 30))
    other = erp.submit("Ping", scheduled="2099-01-02 00:00:00", user="someone_else")
    erp.wait_done(done)
    assert erp.wait_done(failed)["batch_exitstatus"].startswith("Unknown job kind 'NoSuchKind'")

    def ids(rows: list[dict[str, Any]]) -> list[int]:
        return [r["batch_id"] for r in rows]

    everything = batch_list(client, showCompleted=True)
    assert ids(everything) == [done, failed, future, other]
    assert [r["runstatus"] for r in everything] == ["Done", "Done", "Scheduled", "Scheduled"]
    assert (
        everything[1]["exitstatus"]
        == "Unknown job kind 'NoSuchKind': xtbatch has no job of that name."
    )
    assert ids(batch_list(client)) == [future, other]
    assert ids(batch_list(client, current_user=True)) == [future]
    assert ids(batch_list(client, current_user=True, showCompleted=True)) == [done, failed, future]
    assert ids(batch_list(client, username="someone_else")) == [other]
    assert ids(batch_list(client, username="someone_else", showCompleted=True)) == [other]

    (item,) = client.exec(BATCH_ITEM, {"batch_id": future})
    assert (item["batch_action"], item["batch_user"]) == ("Ping", erp.clerk.name)
    assert (item["scheduled_date"], item["scheduled_time"]) == (
        dt.date(2099, 1, 1),
        dt.time(9, 30),
    )
    assert item["started_date"] is None and item["batch_recurring_batch_id"] is None

    # Reschedule the far-future job to two seconds from now: it runs.
    soon = (dt.datetime.now() + dt.timedelta(seconds=2)).replace(microsecond=0)
    client.exec(RESCHEDULE, {"date": soon.date(), "time": soon.time(), "batchid": future})
    assert erp.job(future)["batch_scheduled"] == soon
    assert erp.wait_done(future)["batch_exitstatus"] == ""

    # Retry the failed job: it runs again, at its own scheduled time (in the past).
    assert client.exec(RETRY, {"batch_id": failed}) == [{"result": failed}]
    wait_for(
        lambda: len([a for a in erp.attempts(failed) if a["ended_at"]]) == 2,
        30,
        "the retried job's second attempt",
        lambda: erp.attempts(failed),
    )
    assert erp.wait_done(failed)["batch_exitstatus"].startswith("Unknown job kind")

    # Cancel a scheduled job and a completed one.
    assert client.exec(CANCEL, {"batch_id": other}) == [{"result": other}]
    assert client.exec(CANCEL, {"batch_id": done}) == [{"result": done}]
    assert ids(batch_list(client, showCompleted=True)) == [failed, future]


def test_xtuples_own_alarm_email_reaches_the_smtp_server(
    erp: XtupleDb, client: QtSession, running: Stack, mailbox: Mailbox
) -> None:
    client.exec(
        "INSERT INTO todoitem (todoitem_name, todoitem_description) VALUES (:name, :description);",
        {"name": "Call Acme", "description": "renewal"},
    )
    client.exec(
        "INSERT INTO alarm (alarm_number, alarm_email, alarm_sysmsg, alarm_trigger,"
        " alarm_creator, alarm_email_recipient, alarm_sysmsg_recipient, alarm_source,"
        " alarm_source_id) VALUES ('1', TRUE, TRUE, :trigger, CURRENT_USER,"
        " :recipients, CURRENT_USER, 'TODO', 1);",
        {
            "trigger": dt.datetime.now() - dt.timedelta(minutes=1),
            "recipients": "first@example.com,second@example.com",
        },
    )
    assert client.exec("SELECT hasAlarms() AS result;") == [{"result": True}]
    jobs = erp.all("SELECT batch_id, batch_action, batch_user FROM xtbatch.batch ORDER BY batch_id")
    assert [(j["batch_action"], j["batch_user"]) for j in jobs] == [
        ("Email", erp.clerk.name),
        ("Email", erp.clerk.name),
    ]
    for job in jobs:
        assert erp.wait_done(job["batch_id"])["batch_exitstatus"] == ""
    for address in ("first@example.com", "second@example.com"):
        (message,) = mail_to(mailbox, address)
        assert message["From"] == erp.clerk.email
        assert message["Subject"] == "To-Do: Call Acme-renewal"
        assert "Alarm reminder for To-Do Item." in message.get_body(("plain",)).get_content()
    assert erp.all("SELECT * FROM alarm") == []
    assert erp.one("SELECT msg_text FROM msg") == {"msg_text": "To-Do Item - Call Acme-renewal"}
