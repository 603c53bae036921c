"""The xTuple desktop client's batch manager (list, view, reschedule, retry, cancel), its
statements verbatim as its Qt driver sends them (tests/acceptance/xtuple/client_sql.py), by an
ordinary xtrole member after login(true), against a real worker and bridge. And xTuple's own
hasAlarms(), whose alarm emails go through the batch manager."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.acceptance.xtuple.client_sql import (
    BATCH_ITEM,
    CANCEL,
    RESCHEDULE,
    RETRY,
    batch_list,
    mail_to,
    submit_action,
)
from tests.conftest import Mailbox
from tests.harness import Stack, wait_for
from tests.qt_client import QtSession
from tests.xtuple_db import XtupleDb


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
