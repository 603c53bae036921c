"""The xTuple desktop client's batch statements, verbatim, as its Qt driver sends them (named
parameters, untyped values: tests/qt_client.py), and the client's screens that send them, for
the tests of this folder. Statements from Pegasus-RPG/xtuple-client: guiclient/submitAction.cpp,
submitReport.cpp, deliverEmail.cpp, deliverInvoice.cpp, deliverPurchaseOrder.cpp;
common/batchManager.cpp and batchItem.cpp (at the parent of commit 14ae5447)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf

from tests.conftest import Mailbox
from tests.harness import wait_for
from tests.qt_client import QtSession, QtTzDateTime
from tests.xtuple_db import XtupleDb
from tests.xvariant_encoder import encode, to_string, type_name
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


def add_params(
    client: QtSession,
    statement: str,
    batch_id: int,
    params: list[tuple[str, Any]],
    as_text: Callable[[Any], str],
) -> None:
    """The submit screens' loop: one batchparam row per parameter, in order, the value as
    ``as_text`` writes it and its QVariant type name."""
    for counter, (name, value) in enumerate(params):
        client.exec(
            statement,
            {
                "batchparam_batch_id": batch_id,
                "batchparam_order": counter + 1,
                "batchparam_name": name,
                "batchparam_type": type_name(value),
                "batchparam_value": as_text(value),
            },
        )


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
    add_params(client, ACTION_PARAM, batch_id, params, to_string)
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
    add_params(client, REPORT_PARAM, batch_id, params, encode)
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
