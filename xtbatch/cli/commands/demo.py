"""``xtbatch demo``: the whole pipeline on embedded services, no setup needed.

Starts an embedded PostgreSQL and an embedded Redis (with --use-configured-services it uses
XTBATCH_DATABASE_URL/--database-url and XTBATCH_BROKER_URL/--broker-url instead), installs
xtbatch with a sample of xTuple's schema, submits a few jobs (one past due, two due together,
one failing, one email), runs a real bridge and a real worker, prints the status table and
the mail an in-process SMTP catcher received, then stops everything it started.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from xtbatch import db
from xtbatch.cli import embedded
from xtbatch.cli.console.progress import progress
from xtbatch.cli.sample import sample_sql
from xtbatch.errors import ConfigurationError, XtbatchError
from xtbatch.install import install
from xtbatch.settings import VARIABLES, Settings

DEMO_DB = "xtbatch_demo"


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo",
        parents=[parent],
        help="run the pipeline end to end on embedded services",
        description=__doc__,
    )
    p.add_argument(
        "--use-configured-services",
        action="store_true",
        help="use XTBATCH_DATABASE_URL/--database-url and XTBATCH_BROKER_URL/--broker-url "
        "instead of embedded ones (the demo creates and drops a database named xtbatch_demo "
        "there); without it, --database-url and --broker-url are refused",
    )
    p.add_argument("--timeout", type=float, default=90, help="seconds to wait for the jobs")
    p.set_defaults(handler=run)


class MailCatcher:
    """An SMTP server in this process that keeps every message (aiosmtpd)."""

    def __init__(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError as exc:
            raise XtbatchError("The demo needs aiosmtpd: pip install 'xtbatch[demo]'.") from exc
        self.messages: list[email.message.EmailMessage] = []
        catcher = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                catcher.messages.append(
                    email.message_from_bytes(
                        envelope.original_content or envelope.content, policy=email.policy.default
                    )
                )
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.controller.stop()


@contextlib.contextmanager
def services(
    args: argparse.Namespace, settings: Settings, folder: Path
) -> Iterator[tuple[str, str]]:
    """(server URL, broker URL): embedded unless asked to use the configured ones."""
    if args.use_configured_services:
        yield settings.database_url, settings.broker_url
        return
    with embedded.postgres(folder / "pg") as pg, embedded.redis(folder / "redis") as broker:
        yield pg, broker


@contextlib.contextmanager
def demo_database(server_url: str) -> Iterator[str]:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(DEMO_DB))
        )
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(DEMO_DB)))
    info = {k: str(v) for k, v in conninfo_to_dict(server_url).items() if v is not None}
    info["dbname"] = DEMO_DB
    try:
        yield make_conninfo("", **info)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    pgsql.Identifier(DEMO_DB)
                )
            )


def submit_jobs(conn: psycopg.Connection[db.Row], folder: Path) -> list[int]:
    """The demo's jobs, submitted through xTuple's functions."""
    attachment = folder / "price-list.txt"
    attachment.write_text("Widget  9.99\nGadget 19.99\n")
    ids = [
        db.scalar(conn, "demo_submit_action", {"action": "Ping", "ago": "2 hours"}),
        db.scalar(conn, "demo_submit_action", {"action": "Ping", "ago": "1 minute"}),
        db.scalar(conn, "demo_submit_action", {"action": "Ping", "ago": "1 minute"}),
        db.scalar(conn, "demo_submit_action", {"action": "RefreshCrystalBall", "ago": "0"}),
    ]
    for batch_id in ids[1:3]:
        db.execute(
            conn,
            "insert_param",
            {"batch_id": batch_id, "order": 1, "name": "seconds", "value": "1", "type": "int"},
        )
    ids.append(db.scalar(conn, "demo_submit_email", {"filename": str(attachment)}))
    return ids


def _refuse_ignored_flags(args: argparse.Namespace) -> None:
    """The demo brings its own mail catcher and queue, and its own database and broker unless
    told otherwise: a flag it would ignore is refused rather than silently dropped.

    Raises:
        ConfigurationError: naming the flags.
    """
    given = {
        "--database-url": args.database_url,
        "--broker-url": args.broker_url,
        "--smtp-url": args.smtp_url,
        "--queue": args.queue,
    }
    services = {"--database-url", "--broker-url"}
    if args.use_configured_services:
        given = {flag: value for flag, value in given.items() if flag not in services}
    ignored = [flag for flag, value in given.items() if value is not None]
    if not ignored:
        return
    why = (
        "the demo runs on embedded services; add --use-configured-services to run it on "
        "yours (it creates and drops a database named xtbatch_demo there)"
        if services & set(ignored)
        else "the demo uses its own mail catcher and queue"
    )
    raise ConfigurationError(f"{', '.join(ignored)} not used: {why}.")


def run(args: argparse.Namespace, settings: Settings) -> int:
    _refuse_ignored_flags(args)
    with tempfile.TemporaryDirectory(prefix="xtbatch-demo-") as tmp:
        folder = Path(tmp)
        catcher = MailCatcher()
        procs: list[subprocess.Popen[bytes]] = []
        try:
            with services(args, settings, folder) as (server, broker), demo_database(server) as url:
                print(f"PostgreSQL: {db.describe(settings.replace(database_url=url))}")
                print(f"Broker: {broker.split('://', 1)[0]}, mail catcher: {catcher.url}")
                with db.connect(settings.replace(database_url=url), "demo") as conn:
                    install(conn)
                    conn.execute(sample_sql("xtuple_messages.sql"))
                    ids = submit_jobs(conn, folder)
                env = child_env(url, broker, catcher.url, folder)
                procs = [start(folder, "worker", env), start(folder, "bridge", env)]
                wait_for_jobs(url, ids, args.timeout, procs, folder)
                stop(procs)
                show(url, catcher)
        finally:
            stop(procs)
            catcher.stop()
    return 0


def child_env(url: str, broker: str, smtp: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    env.update(
        {
            "XTBATCH_DATABASE_URL": url,
            "XTBATCH_BROKER_URL": broker,
            "XTBATCH_SMTP_URL": smtp,
            "XTBATCH_QUEUE": "xtbatch.demo",
            "XTBATCH_LOG_FORMAT": "text",
            "XTBATCH_REPORT_DIR": str(folder),
            "XTBATCH_MAIL_FROM": "xtbatch@example.com",
        }
    )
    assert all(k in {v.env for v in VARIABLES} for k in env if k.startswith("XTBATCH_"))
    return env


def start(folder: Path, command: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with (folder / f"{command}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "xtbatch", command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_jobs(
    url: str, ids: list[int], timeout: float, procs: list[subprocess.Popen[bytes]], folder: Path
) -> None:
    deadline = time.monotonic() + timeout
    with (
        psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn,
        progress("Running the demo jobs", total=len(ids)) as step,
    ):
        done = 0
        while done < len(ids):
            now_done = int(db.scalar(conn, "demo_completed", {"ids": ids}) or 0)
            if now_done > done:
                step.advance(now_done - done)
                done = now_done
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                logs = "\n".join(
                    (folder / f"{c}.log").read_text(errors="replace")[-2000:]
                    for c in ("worker", "bridge")
                )
                raise XtbatchError(f"The demo jobs did not complete in {timeout:.0f} s.\n{logs}")
            time.sleep(0.1)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def show(url: str, catcher: MailCatcher) -> None:
    from xtbatch.cli.main import main

    print()
    main(["status", "--all", "--completed", "--database-url", url])
    print(f"\nMail caught ({len(catcher.messages)}):")
    for message in catcher.messages:
        files = [part.get_filename() for part in message.iter_attachments()]
        print(
            f"  To: {message['To']}  Subject: {message['Subject']}"
            + (f"  Attachments: {', '.join(str(f) for f in files)}" if files else "")
        )
