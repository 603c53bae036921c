"""compose.yaml end to end in podman: the stack as administrators run it (stand-ins for the
stock images, compose.test.yaml), jobs submitted through xTuple's functions in its database,
mails, Flower, the bridge's metrics and the services' healthchecks. The stack comes from
conftest.py; test_compose_stopping.py stops and kills a worker mid-job, then takes it down.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from tests.compose.helpers import (
    FLOWER,
    PROJECT,
    attempts,
    http,
    one_mail_to,
    submit_ping,
    wait_done,
)
from tests.compose.stack import ROOT, ComposeStack, poll

# The first test builds the images (minutes on a machine that has none) and brings the stack up.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

REPORT = Path(__file__).parent / "compose_stock.xml"


# --- the tests, in the order an administrator meets them ------------------------------------


def test_every_service_runs_healthy_and_install_ran_once(stack: ComposeStack) -> None:
    services = [s for s in stack.config["services"] if stack.enabled(s)]
    running = set(stack.containers(running_only=True))
    assert running == {stack.container(s) for s in services if s != "install"}
    assert stack.state("install")["ExitCode"] == 0
    for service in services:
        if service != "install":
            run = stack.podman("healthcheck", "run", stack.container(service), check=False)
            assert run.returncode == 0, (service, run.stdout, run.stderr)


def test_the_documented_doctor_and_submit_pass_in_the_bridge_container(
    stack: ComposeStack,
) -> None:
    """docs/operations.md: `exec bridge xtbatch doctor`, then `exec bridge xtbatch submit Ping`."""
    doctor = stack.podman("exec", stack.container("bridge"), "xtbatch", "doctor", check=False)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr  # every check, and a Ping
    submitted = stack.exec("bridge", "xtbatch", "submit", "Ping", "--json")
    done = wait_done(stack, int(json.loads(submitted)["batch_id"]))
    # The sample database has xTuple's system messages: the submitter is told there.
    assert done["batch_exitstatus"] in ("", None), done


def test_ping_email_and_report_through_xtuples_functions_end_done_with_their_mails(
    stack: ComposeStack,
) -> None:
    ping = submit_ping(stack, email="ops@example.com")
    mail = int(
        stack.psql(
            "SELECT xtbatch.submitEmailToBatch('erp@example.com', 'clerk@example.com', NULL, "
            "'Compose price list', 'Sent from the compose stack.', NULL, CURRENT_TIMESTAMP, "
            "false, NULL, NULL);"
        ).split()[-1]
    )
    stack.psql(
        "CREATE TABLE IF NOT EXISTS report (report_id serial PRIMARY KEY, "
        "report_name text NOT NULL, report_sys boolean NOT NULL DEFAULT false, "
        "report_source text, report_descrip text, report_grade integer NOT NULL DEFAULT 0, "
        "report_loaddate timestamp DEFAULT now(), UNIQUE (report_name, report_grade));\n"
        "CREATE TABLE compose_stock (item text, qty integer);\n"
        "INSERT INTO compose_stock VALUES ('anvil', 3), ('bellows', 12), ('chisel', 40);\n"
        "INSERT INTO report (report_name, report_source) VALUES ('compose_stock', :'xml');\n",
        xml=REPORT.read_text(),
    )
    report = int(
        stack.psql(
            """
            BEGIN;
            SELECT xtbatch.submitReportToBatch('compose_stock', 'erp@example.com',
                'buyer@example.com', 'Stock at 10 or more', 'The list is attached.',
                'stock', CURRENT_TIMESTAMP) AS id \\gset
            INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order,
                batchparam_name, batchparam_value, batchparam_type)
            VALUES (:id, 1, 'min_qty', '10', 'int'), (:id, 2, 'title', 'Weekly stock', 'QString');
            COMMIT;
            SELECT :id;
            """
        ).split()[-1]
    )
    for batch_id in (ping, mail, report):
        done = wait_done(stack, batch_id)
        assert done["batch_exitstatus"] in ("", None), done

    note = one_mail_to("ops@example.com")
    assert note["Subject"] == f"Batch job {ping} (Ping) completed"

    sent = one_mail_to("clerk@example.com")
    assert (sent["From"], sent["Subject"]) == ("erp@example.com", "Compose price list")
    plain = sent.get_body(("plain",))
    assert plain is not None and "Sent from the compose stack." in plain.get_content()

    statement = one_mail_to("buyer@example.com")
    assert statement["Subject"] == "Stock at 10 or more"
    (pdf,) = list(statement.iter_attachments())
    assert (pdf.get_filename(), pdf.get_content_type()) == ("stock.pdf", "application/pdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages)
    for expected in ("STOCK LIST", "Weekly stock", "bellows", "12", "chisel", "40"):
        assert expected in text, text
    assert "anvil" not in text, text


def test_flower_refuses_without_its_login_and_shows_the_jobs_task_with_it(
    stack: ComposeStack, passwords: dict[str, str]
) -> None:
    login = passwords["FLOWER_BASIC_AUTH"]
    assert http(f"{FLOWER}/api/tasks")[0] == 401
    assert http(f"{FLOWER}/api/workers")[0] == 401
    assert http(f"{FLOWER}/api/tasks", auth="ops:wrong")[0] == 401
    batch_id = submit_ping(stack)
    wait_done(stack, batch_id)
    (attempt,) = attempts(stack, batch_id)

    def task() -> dict[str, Any] | None:
        code, body = http(f"{FLOWER}/api/tasks", auth=login)
        assert code == 200, body
        found = json.loads(body).get(attempt["task_id"])
        return found if found and found.get("state") == "SUCCESS" else None

    shown = poll(task, 30, "Flower to show the job's task", lambda: stack.logs("flower", 10))
    assert shown["name"] == "xtbatch.job.Ping"
    assert f"'batch_id': {batch_id}" in shown["kwargs"], shown
    for secret in passwords.values():
        assert secret.split(":")[-1] not in json.dumps(shown)


def test_the_bridge_serves_its_metrics_on_the_stack_network(stack: ComposeStack) -> None:
    wait_done(stack, submit_ping(stack))
    # As a Prometheus container on the stack's network scrapes it: bridge:9100.
    scrape = stack.exec(
        "flower",
        "python",
        "-c",
        "import urllib.request; "
        "print(urllib.request.urlopen('http://bridge:9100/metrics', timeout=10).read().decode())",
    )
    samples = dict(
        line.rsplit(" ", 1) for line in scrape.splitlines() if line and not line.startswith("#")
    )
    assert float(samples["xtbatch_bridge_leader"]) == 1
    assert float(samples["xtbatch_database_up"]) == 1
    assert float(samples['xtbatch_jobs_dispatched_total{kind="Ping"}']) >= 1
    assert float(samples['xtbatch_jobs_ended_total{kind="Ping",outcome="succeeded"}']) >= 1


def test_postgres_is_healthy_only_once_it_accepts_connections_over_tcp(
    stack: ComposeStack, tmp_path: Path
) -> None:
    """On a new volume the image initialises the database on a temporary, socket-only
    server: compose.yaml's healthcheck must not pass then (install would start and fail)."""
    image = yaml.safe_load((ROOT / "compose.test.yaml").read_text())["services"]["postgres"]
    slow = tmp_path / "20-slow.sql"
    slow.write_text("SELECT pg_sleep(4);\n")
    slow.chmod(0o644)
    name = f"{PROJECT}-pginit"
    stack.podman("rm", "--force", name, check=False)
    stack.podman("run", "--detach", "--name", name, "--env", "POSTGRES_PASSWORD=x",
                 "--env", "POSTGRES_DB=erp", "--volume",
                 f"{slow}:/docker-entrypoint-initdb.d/20-slow.sql:ro", image["image"])  # fmt: skip
    try:
        check = [str(t) for t in stack.config["services"]["postgres"]["healthcheck"]["test"][1:]]

        def log() -> str:
            done = stack.podman("logs", name)
            return done.stdout + done.stderr

        def initialising() -> bool:
            socket_up = stack.podman("exec", name, "pg_isready", "--quiet", check=False)
            return (
                socket_up.returncode == 0
                and "init process complete" not in stack.podman("logs", name).stdout
            )

        poll(initialising, 60, "the temporary server of the first start", lambda: log()[-2000:])
        during = stack.podman("exec", name, *check, check=False)
        assert during.returncode != 0, "healthy while the database is being initialised"
        poll(lambda: stack.podman("exec", name, *check, check=False).returncode == 0, 60,
             "the server to start after initialising")  # fmt: skip
        assert "init process complete" in log()
    finally:
        stack.podman("rm", "--force", "--volumes", name, check=False)


# AMQP's protocol header; a broker that has started answers with a Connection.Start frame.
AMQP_HELLO = """
import socket
with socket.create_connection(("rabbitmq", 5672), timeout=10) as amqp:
    amqp.sendall(b"AMQP\\x00\\x00\\x09\\x01")
    print(amqp.recv(1) == b"\\x01")
"""


def test_rabbitmq_is_healthy_only_once_it_accepts_connections(stack: ComposeStack) -> None:
    stack.compose("restart", "rabbitmq", timeout=120)
    stack.wait_healthy("rabbitmq")
    # One attempt, at once: what a dependent started on `service_healthy` does.
    assert stack.exec("flower", "python", "-c", AMQP_HELLO).strip() == "True"


def test_the_rabbitmq_service_takes_the_broker_url_the_env_example_documents(
    stack: ComposeStack, passwords: dict[str, str]
) -> None:
    url = f"amqp://xtbatch:{passwords['RABBITMQ_PASSWORD']}@rabbitmq:5672//"
    connected = stack.exec(
        "flower",
        "python",
        "-c",
        "import sys, kombu; c = kombu.Connection(sys.argv[1]); c.connect(); "
        "print(c.connected); c.release()",
        url,
    )
    assert connected.strip() == "True"
    timeout = stack.exec(
        "rabbitmq", "rabbitmqctl", "eval", "application:get_env(rabbit, consumer_timeout)."
    )
    assert timeout.strip() == "{ok,43200000}"
