"""RunReport end to end: submitReportToBatch, a real worker and bridge, the PDF at a real SMTP
server and in XTBATCH_REPORT_DIR; report errors as exit statuses."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.conftest import XTUPLE_REPORTS, Mailbox
from tests.harness import Db, Stack, wait_for

REPORTS = Path(__file__).parents[1] / "fixtures" / "reports"

# The data the test invoice prints (after XTUPLE_REPORTS, xTuple's report and metasql tables):
# invoice 7 has 45 lines, invoice 8 three.
SCHEMA = """
CREATE TABLE rr_invoice (id integer PRIMARY KEY, number text, customer text);
CREATE TABLE rr_line (invoice_id integer, line integer, item text, amount numeric(12,2));
INSERT INTO rr_invoice VALUES (7, 'INV-0007', 'Acme Corporation'), (8, 'INV-0008', 'Other Ltd');
INSERT INTO rr_line
SELECT 7, i, format('item %s', lpad(i::text, 2, '0')), 1.5 * i FROM generate_series(1, 45) AS i;
INSERT INTO rr_line SELECT 8, i, format('other %s', i), 99 FROM generate_series(1, 3) AS i;
"""
LINES_MQL = (
    'SELECT item, amount FROM rr_line WHERE invoice_id = <? value("invchead_id") ?> ORDER BY line'
)
INVOICE_7 = [("invchead_id", "7", "int"), ("title", "Spring statement", "QString")]


def install_reports(erp: Db) -> None:
    erp.run(XTUPLE_REPORTS.read_text())
    erp.run(SCHEMA)
    for name in ("rr_invoice", "rr_broken_query", "rr_graph"):
        # A stock grade the test's grade 10 must win over.
        for grade, source in ((0, "<report><title>"), (10, (REPORTS / f"{name}.xml").read_text())):
            erp.run(
                "INSERT INTO report (report_name, report_source, report_grade) VALUES (%s, %s, %s)",
                (name, source, grade),
            )
    erp.run(
        "INSERT INTO metasql (metasql_group, metasql_name, metasql_query) "
        "VALUES ('rrtest', 'lines', %s)",
        (LINES_MQL,),
    )


def submit_report(
    erp: Db,
    report: str,
    params: list[tuple[str, str, str]],
    *,
    to: str | None = None,
    sender: str | None = None,
    cc: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    filename: str | None = None,
    html: bool = False,
    **columns: Any,
) -> int:
    """Submit as the client does: the 9-argument submitReportToBatch, then the batchparams."""
    with erp.connect() as conn, conn.transaction():
        row = conn.execute(
            "SELECT xtbatch.submitReportToBatch(%s, %s, %s, %s, %s, %s, %s, NULL, %s) AS id",
            (report, sender, to, cc, subject, body, filename, html),
        ).fetchone()
        assert row is not None
        batch_id = int(row["id"])
        for order, (name, value, type_) in enumerate(params, start=1):
            conn.execute(
                "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, "
                "batchparam_name, batchparam_value, batchparam_type) VALUES (%s, %s, %s, %s, %s)",
                (batch_id, order, name, value, type_),
            )
        for column, value in columns.items():  # what the 9-argument form has no argument for
            assert column in ("batch_bcc", "batch_replyto")
            conn.execute(
                f"UPDATE xtbatch.batch SET {column} = %s WHERE batch_id = %s", (value, batch_id)
            )
    return batch_id


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def assert_in_order(text: str, expected: list[str]) -> None:
    at = 0
    for value in expected:
        found = text.find(value, at)
        assert found >= 0, f"{value!r} not found after position {at} in:\n{text}"
        at = found + len(value)


# Every field of a report's email: submitReportToBatch's arguments, then Bcc and Reply-To.
EVERY_MAIL_FIELD: dict[str, Any] = {
    "to": "customer@example.com",
    "sender": "billing@example.com",
    "cc": "boss@example.com",
    "subject": "Your invoice INV-0007",
    "body": "<p>Please find your invoice attached.</p>",
    "filename": "invoice-0007",
    "html": True,
    "batch_bcc": "audit@example.com",
    "batch_replyto": "replies@example.com",
}


@pytest.fixture
def reports(xtuple_messages: Db) -> Db:
    """The test database with xTuple's messages and the test reports (install_reports)."""
    install_reports(xtuple_messages)
    return xtuple_messages


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    """Where the worker saves the PDFs (XTBATCH_REPORT_DIR); not made in advance."""
    return tmp_path / "reports"


def start(stack: Stack, mailbox: Mailbox, report_dir: Path) -> None:
    stack.worker(env={"XTBATCH_SMTP_URL": mailbox.url, "XTBATCH_REPORT_DIR": str(report_dir)})
    stack.bridge()


def test_report_is_emailed_as_a_pdf_per_the_row_and_saved_in_the_report_dir(
    reports: Db, stack: Stack, mailbox: Mailbox, report_dir: Path
) -> None:
    erp = reports
    full = submit_report(erp, "rr_invoice", INVOICE_7, **EVERY_MAIL_FIELD)
    plain = submit_report(erp, "rr_invoice", INVOICE_7, to="second@example.com")
    start(stack, mailbox, report_dir)
    assert erp.wait_done(full)["batch_exitstatus"] == ""
    assert erp.wait_done(plain)["batch_exitstatus"] == ""
    wait_for(lambda: len(mailbox.messages) == 2, 10, "two emails", lambda: mailbox.envelopes)
    by_to = {m["To"]: m for m in mailbox.messages}

    message = by_to["customer@example.com"]
    assert (message["From"], message["Cc"], message["Bcc"]) == (
        "billing@example.com",
        "boss@example.com",
        None,
    )
    assert message["Reply-To"] == "replies@example.com"
    assert message["Subject"] == "Your invoice INV-0007"
    html = message.get_body(("html",))
    assert html is not None and "Please find your invoice attached." in html.get_content()
    recipients = next(rcpt for _, rcpt in mailbox.envelopes if "customer@example.com" in rcpt)
    assert sorted(recipients) == ["audit@example.com", "boss@example.com", "customer@example.com"]
    (part,) = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("invoice-0007.pdf", "application/pdf")
    pdf = part.get_content()
    pages, text = pdf_text(pdf)
    assert pages == 2
    assert_in_order(
        text,
        # OpenRPT draws the page head above the report head on the first page.
        ["Item", "INVOICE", "Number INV-0007", "Acme Corporation", "Spring statement"]
        + [f"item {i:02d}" for i in range(1, 46)]
        + ["Grand total", "1,552.50", "Page 2"],
    )
    assert "other" not in text and "INV-0008" not in text
    assert (report_dir / "invoice-0007.pdf").read_bytes() == pdf

    # Defaults: the report name as subject and file name, a plain-text body.
    second = by_to["second@example.com"]
    assert second["Subject"] == "rr_invoice"
    assert second.get_body(("html",)) is None
    (part,) = list(second.iter_attachments())
    assert part.get_filename() == "rr_invoice.pdf"
    assert pdf_text(part.get_content())[0] == 2
    assert (report_dir / "rr_invoice.pdf").is_file()


def test_without_a_recipient_the_pdf_is_saved_inside_the_report_dir_and_the_job_succeeds(
    reports: Db, stack: Stack, mailbox: Mailbox, report_dir: Path, tmp_path: Path
) -> None:
    erp = reports
    batch_id = submit_report(erp, "rr_invoice", INVOICE_7, filename="../../escaped")
    start(stack, mailbox, report_dir)
    assert erp.wait_done(batch_id)["batch_exitstatus"] == ""
    saved = report_dir / "escaped.pdf"
    assert [p.name for p in report_dir.iterdir()] == ["escaped.pdf"]
    assert not (tmp_path / "escaped.pdf").exists() and not (tmp_path.parent / "escaped").exists()
    pages, text = pdf_text(saved.read_bytes())
    assert pages == 2 and "Acme Corporation" in text
    worker = stack.procs[0]
    wait_for(lambda: f"saved as {saved}" in worker.log(), 10, "the summary", worker.log)
    assert "not emailed: the job has no recipient" in worker.log()
    assert not mailbox.messages


def test_report_errors_end_the_job_with_the_renderers_message(
    reports: Db, stack: Stack, mailbox: Mailbox, report_dir: Path
) -> None:
    erp = reports
    to = "customer@example.com"
    missing_report = submit_report(erp, "NoSuchReport", [], to=to)
    missing_param = submit_report(erp, "rr_invoice", [("title", "x", "QString")], to=to)
    bad_sql = submit_report(erp, "rr_broken_query", [], to=to)
    graph = submit_report(erp, "rr_graph", [], to=to)
    start(stack, mailbox, report_dir)

    status = erp.wait_done(missing_report)["batch_exitstatus"]
    assert status.startswith("Report 'NoSuchReport' does not exist in this database"), status
    status = erp.wait_done(missing_param)["batch_exitstatus"]
    assert "'invchead_id'" in status.splitlines()[0], status
    status = erp.wait_done(bad_sql)["batch_exitstatus"]
    first = status.splitlines()[0]
    assert "query 'detail' of report 'rr_broken_query' failed" in first, status
    assert 'column "nosuchcolumn" does not exist' in first, status
    assert "line 3" in status, status
    # Not a page with the graph left out: the job fails naming what it cannot print.
    status = erp.wait_done(graph)["batch_exitstatus"]
    assert status.splitlines()[0] == (
        "Report 'rr_graph' uses <graph> (a graph in the report header), which xtbatch cannot "
        "print yet."
    ), status
    assert not mailbox.messages
    assert not report_dir.exists() or not any(report_dir.iterdir())
