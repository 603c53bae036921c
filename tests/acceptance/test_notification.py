"""Email jobs and the submitter's notification, at a real SMTP server; system messages."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Mailbox
from tests.harness import Db, Stack, wait_for


def test_email_job_arrives_with_the_rows_headers_and_attachment(
    xtuple_messages: Db, stack: Stack, mailbox: Mailbox, tmp_path: Path
) -> None:
    erp = xtuple_messages
    attachment = tmp_path / "invoice-42.pdf"
    attachment.write_bytes(b"%PDF-1.4 test")
    batch_id = erp.submit(
        "Email",
        email="customer@example.com",
        batch_fromemail="sales@example.com",
        batch_cc="boss@example.com",
        batch_bcc="audit@example.com",
        batch_replyto="replies@example.com",
        batch_subject="Invoice 42",
        batch_responsebody="<p>Your invoice</p>",
        batch_emailhtml=True,
        batch_filename=str(attachment),
    )
    stack.worker(env={"XTBATCH_SMTP_URL": mailbox.url})
    stack.bridge()
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == ""
    wait_for(lambda: mailbox.messages, 10, "the email")
    message = mailbox.messages[0]
    assert message["From"] == "sales@example.com"
    assert message["To"] == "customer@example.com"
    assert message["Cc"] == "boss@example.com"
    assert message["Bcc"] is None, "Bcc must not be a visible header"
    assert message["Reply-To"] == "replies@example.com"
    assert message["Subject"] == "Invoice 42"
    body = message.get_body(("html",))
    assert body is not None and "Your invoice" in body.get_content()
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "invoice-42.pdf"
    assert part.get_content() == b"%PDF-1.4 test"
    assert sorted(mailbox.envelopes[0][1]) == [
        "audit@example.com",
        "boss@example.com",
        "customer@example.com",
    ]


def test_submitter_gets_an_email_from_the_metric_sender_when_a_job_ends(
    xtuple_messages: Db, stack: Stack, mailbox: Mailbox
) -> None:
    erp = xtuple_messages
    erp.run(
        "INSERT INTO metric (metric_name, metric_value) "
        "VALUES ('DefaultBatchFromEmailAddress', 'erp@example.com')"
    )
    batch_id = erp.submit("NoSuchKind", email="admin@example.com")
    stack.worker(env={"XTBATCH_SMTP_URL": mailbox.url})
    stack.bridge()
    erp.wait_done(batch_id)
    wait_for(lambda: mailbox.messages, 10, "the notification")
    message = mailbox.messages[0]
    assert message["From"] == "erp@example.com"
    assert message["To"] == "admin@example.com"
    assert message["Subject"] == f"Batch job {batch_id} (NoSuchKind) failed"
    assert "Unknown job kind 'NoSuchKind'" in message.get_content()


def test_without_an_address_the_submitter_gets_a_system_message(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Ping", user="jsmith")
    stack.worker()
    stack.bridge()
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == ""
    row = erp.one(
        "SELECT msg_text, msguser_username, msguser_viewed FROM msg "
        "JOIN msguser ON msguser_msg_id = msg_id"
    )
    assert row is not None
    assert row["msguser_username"] == "jsmith" and row["msguser_viewed"] is None
    assert f"Batch job {batch_id} (Ping) completed" in row["msg_text"]


def test_failed_mail_falls_back_to_a_system_message_and_the_attempt_says_so(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Ping", user="jsmith", email="jsmith@example.com")
    stack.worker(env={"XTBATCH_SMTP_URL": "smtp://127.0.0.1:1"})
    stack.bridge()
    job = erp.wait_done(batch_id)
    # The Ping succeeded: its exit status stays empty (issue 13); the notice is bookkeeping.
    assert job["batch_exitstatus"] == ""
    (attempt,) = erp.attempts(batch_id)
    assert attempt["notice"].startswith("system message to jsmith (Email to jsmith@example.com")
    assert attempt["notice_failed"] is False, "the submitter was told, by system message"
    assert erp.one("SELECT count(*) AS n FROM msguser")["n"] == 1  # type: ignore[index]


def test_email_with_a_bad_address_fails_with_a_clear_exit_status(
    xtuple_messages: Db, stack: Stack, mailbox: Mailbox
) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Email", email="not an address", batch_subject="x", user="jsmith")
    unreadable = erp.submit(
        "Email", email="a@example.com", batch_filename="/nonexistent/x.pdf", user="jsmith"
    )
    stack.worker(env={"XTBATCH_SMTP_URL": mailbox.url})
    stack.bridge()
    assert "is not a valid email address" in erp.wait_done(batch_id)["batch_exitstatus"]
    assert "cannot be read" in erp.wait_done(unreadable)["batch_exitstatus"]
    assert not mailbox.messages
