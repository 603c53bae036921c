"""The compose tests' helpers: jobs submitted through xTuple's functions in the stack's
database, the mail catcher's messages, HTTP with basic auth."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from tests.compose.stack import ComposeStack, poll

PROJECT = "xtbatchtest"
FLOWER = "http://127.0.0.1:5555"
MAILPIT = "http://127.0.0.1:8025"

# Jobs are submitted as the desktop client does: "ASAP" passes CURRENT_TIMESTAMP (timestamptz).

SUBMIT_ACTION = """
BEGIN;
SELECT xtbatch.submitActionToBatch('Ping', NULLIF(:'email', ''), CURRENT_TIMESTAMP) AS id \\gset
INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, batchparam_name,
                                batchparam_value, batchparam_type)
SELECT :id, 1, 'action_name', 'Ping', 'QString'
UNION ALL SELECT :id, 2, 'seconds', :'seconds', 'int' WHERE :'seconds' <> '';
COMMIT;
SELECT :id;
"""


def submit_ping(stack: ComposeStack, *, seconds: int | None = None, email: str = "") -> int:
    """A Ping as the desktop client's submitAction screen sends it: submitActionToBatch, then
    its parameters (action_name first)."""
    out = stack.psql(SUBMIT_ACTION, email=email, seconds="" if seconds is None else str(seconds))
    return int(out.split()[-1])


def job(stack: ComposeStack, batch_id: int) -> dict[str, Any]:
    rows = stack.query(
        "SELECT batch_id, batch_action, batch_started, batch_completed, batch_exitstatus "
        f"FROM xtbatch.batch WHERE batch_id = {int(batch_id)}"
    )
    return dict(rows[0]) if rows else {}


def attempts(stack: ComposeStack, batch_id: int) -> list[dict[str, Any]]:
    return list(
        stack.query(
            "SELECT task_id, state, detail, worker FROM xtbatch_mgr.attempt "
            f"WHERE batch_id = {int(batch_id)} ORDER BY attempt_id"
        )
    )


def wait_done(stack: ComposeStack, batch_id: int, timeout: float = 60) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        row = job(stack, batch_id)
        return row if row.get("batch_completed") else None

    return poll(
        done,
        timeout,
        f"job {batch_id} to be Done",
        lambda: (job(stack, batch_id), attempts(stack, batch_id), stack.logs("worker", 15)),
    )


def wait_running(stack: ComposeStack, batch_id: int, timeout: float = 60) -> None:
    poll(
        lambda: any(a["state"] == "running" for a in attempts(stack, batch_id)),
        timeout,
        f"job {batch_id} to run",
        lambda: (attempts(stack, batch_id), stack.logs("bridge", 10), stack.logs("worker", 10)),
    )


def http(url: str, auth: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def mails_to(address: str) -> list[EmailMessage]:
    """The messages the stack's mail catcher holds for ``address``, read through its API."""
    code, body = http(f"{MAILPIT}/api/v1/messages")
    assert code == 200, body
    found = []
    for summary in json.loads(body)["messages"]:
        if address in [to["Address"] for to in summary["To"]]:
            code, raw = http(f"{MAILPIT}/api/v1/message/{summary['ID']}/raw")
            assert code == 200, raw
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
    return found


def one_mail_to(address: str) -> EmailMessage:
    (message,) = poll(lambda: mails_to(address), 30, f"a mail to {address}", every=1)
    return message
