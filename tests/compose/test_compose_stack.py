"""compose.yaml end to end in podman: the stack as administrators run it (stand-ins for the
stock images, compose.test.yaml), jobs submitted through xTuple's functions in its database,
mails, Flower, the bridge's metrics, a worker stopped and killed mid-job, and `down`.

Skips with the reason where podman cannot run; XTBATCH_TEST_COMPOSE=required (CI, `make
compose-test`) makes that a failure, XTBATCH_TEST_COMPOSE=off skips it.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import os
import re
import secrets
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from tests.compose.stack import (
    PUBLISHED_PORTS,
    ROOT,
    ComposeStack,
    Unavailable,
    build_images,
    exclusive,
    poll,
    port_in_use,
    why_podman_cannot_run,
)

# The first test builds the images (minutes on a machine that has none) and brings the stack up.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

MODE = os.environ.get("XTBATCH_TEST_COMPOSE", "")
PROJECT = "xtbatchtest"
FLOWER = "http://127.0.0.1:5555"
MAILPIT = "http://127.0.0.1:8025"
REPORT = Path(__file__).parent / "compose_stock.xml"


def unavailable(reason: str) -> None:
    if MODE == "required":
        pytest.fail(f"{reason} (XTBATCH_TEST_COMPOSE=required)")
    pytest.skip(reason)


def env_file(folder: Path, passwords: dict[str, str]) -> Path:
    """.env.example as an administrator edits it: the secrets set, the rest as shipped."""
    text = (ROOT / ".env.example").read_text()
    for name, value in passwords.items():
        text, count = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
        assert count == 1, f".env.example has no {name}= line"
    path = folder / ".env"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    return {
        "POSTGRES_PASSWORD": f"pg{secrets.token_hex(8)}",
        "FLOWER_BASIC_AUTH": f"ops:fl{secrets.token_hex(8)}",
        "RABBITMQ_PASSWORD": f"mq{secrets.token_hex(8)}",
    }


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, passwords: dict[str, str]
) -> Iterator[ComposeStack]:
    if MODE == "off":
        pytest.skip("XTBATCH_TEST_COMPOSE=off")
    reason = why_podman_cannot_run()
    if reason:
        unavailable(f"podman cannot run the compose stack here: {reason}")
    with exclusive():
        try:
            built = build_images()
        except Unavailable as exc:
            unavailable(str(exc))
        stack = ComposeStack(PROJECT, env_file(tmp_path_factory.mktemp("compose"), passwords))
        stack.timings["build"] = built
        stack.down()  # whatever an interrupted run left
        busy = [port for port in PUBLISHED_PORTS if port_in_use(port)]
        assert not busy, f"127.0.0.1 ports {busy} are taken: compose.yaml publishes them"
        try:
            stack.bring_up()
            yield stack
        finally:
            stack.down()
            print("\ncompose stack timings (s):", json.dumps(stack.timings, indent=1))


# --- helpers: jobs through xTuple's functions, mail, HTTP -----------------------------------
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


def test_stopping_the_worker_mid_job_lets_the_job_finish_first(stack: ComposeStack) -> None:
    batch_id = submit_ping(stack, seconds=6)
    wait_running(stack, batch_id)
    began = time.monotonic()
    stack.compose("stop", "worker", timeout=700)
    stopped_after = time.monotonic() - began
    state = stack.state("worker")
    assert not state["Running"] and state["ExitCode"] == 0, state
    done = job(stack, batch_id)
    assert done["batch_completed"] and done["batch_exitstatus"] in ("", None), done
    assert [a["state"] for a in attempts(stack, batch_id)] == ["succeeded"]
    assert stopped_after < 60, f"the worker took {stopped_after:.0f} s to stop"
    stack.up("worker")
    stack.wait_healthy("worker")


def test_a_worker_that_dies_mid_job_is_restarted_and_the_job_recovered(
    stack: ComposeStack,
) -> None:
    batch_id = submit_ping(stack, seconds=10)
    wait_running(stack, batch_id)
    before = stack.state("worker")
    # A crash, not a stop: the container's main process dies (SIGKILL, by its PID), its
    # running job with it; `restart: unless-stopped` brings the container back.
    os.kill(int(before["Pid"]), signal.SIGKILL)
    killed = time.monotonic()

    def restarted() -> bool:
        now = stack.state("worker")
        return bool(now.get("Running")) and now.get("Pid") != before["Pid"]

    poll(restarted, 30, "the worker container to restart", lambda: stack.state("worker"))
    done = wait_done(stack, batch_id, timeout=150)
    assert done["batch_exitstatus"] in ("", None), done
    first, *later = attempts(stack, batch_id)
    assert first["state"] == "interrupted", first
    assert "no heartbeat for" in (first["detail"] or ""), first
    assert [a["state"] for a in later] == ["succeeded"]
    stack.timings["recovery after the crash"] = time.monotonic() - killed


def test_down_leaves_nothing_running(stack: ComposeStack) -> None:
    stack.down()
    assert stack.containers() == []
    for kind in ("volume", "network"):
        names = stack.podman(kind, "ls", "--format", "{{.Name}}").stdout.split()
        assert [n for n in names if n.startswith(f"{PROJECT}_")] == [], kind
    assert [port for port in PUBLISHED_PORTS if port_in_use(port)] == []
