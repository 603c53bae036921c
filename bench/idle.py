# ruff: noqa: RUF003  (× and – in tables and prose are meant)
"""Idle cost: the statements an idle bridge and worker send to PostgreSQL, per minute.

Runs on a private, throw-away PostgreSQL 15 server (initdb + pg_ctl on another port, never
the shared one) with pg_stat_statements preloaded and log_statement=all, so every statement
and every new connection is counted and named by its session's application_name. After the
processes start and settle, a window of --minutes is counted. Goal: at most 1 statement per
minute beyond the documented heartbeat (worker heartbeat every
XTBATCH_WORKER_HEARTBEAT_SECONDS, default 30 s: 2 per minute).

    .venv/bin/python bench/idle.py [--quick] [--minutes 3]
"""

from __future__ import annotations

import argparse
import collections
import re
import time

from harness import bench_database, connect, machine, machine_note, one, query, save, stack, table
from psycopg.conninfo import conninfo_to_dict
from system import private_server

SETTLE = 15.0
HEARTBEAT = 30.0
HEARTBEAT_SQL = "A worker records that it is alive"
LINE = re.compile(r"^[^|]*\|\d+\|(?P<db>[^|]*)\|(?P<app>[^|]*)\|(?P<level>\w+):\s+(?P<msg>.*)")


def role(app: str) -> str:
    return app.split(" ", 1)[0] or "(none)"


def count_log(text: str, dbname: str) -> dict[str, collections.Counter[str]]:
    """Statements and connections per role in a stretch of the server log."""
    found: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m["db"] != dbname:
            continue
        msg = m["msg"]
        if msg.startswith("statement:") or msg.startswith("execute "):
            sql = msg.split(":", 1)[1].strip()
            found[role(m["app"])][" ".join(sql.split())[:70]] += 1
        elif msg.startswith("connection authorized"):
            app = re.search(r"application_name=(\S+)", msg)
            found[role(app[1] if app else "")]["(new connection)"] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 minute instead of 3")
    parser.add_argument("--minutes", type=float, default=None)
    args = parser.parse_args()
    minutes = args.minutes or (1.0 if args.quick else 3.0)
    m = machine()
    with private_server() as (server, log_path), bench_database(server_url=server) as url:
        dbname = conninfo_to_dict(url)["dbname"]
        with stack(url, "redis") as s, connect(server) as admin:
            s.worker()
            s.bridge()
            time.sleep(SETTLE)
            offset = log_path.stat().st_size
            one(admin, "pgss_reset")
            x0 = one(admin, "db_xacts", {"datname": dbname})["xacts"]
            deadline = time.monotonic() + minutes * 60
            while time.monotonic() < deadline and all(p.alive() for p in s.procs):
                time.sleep(1)
            x1 = one(admin, "db_xacts", {"datname": dbname})["xacts"]
            calls = admin.execute(query("pgss_calls"), {"datname": dbname}).fetchall()
            with log_path.open("rb") as f:
                f.seek(offset)
                logged = count_log(f.read().decode(errors="replace"), dbname)
            alive = all(p.alive() for p in s.procs)
    statements = sum(n for c in logged.values() for k, n in c.items() if k != "(new connection)")
    connections = sum(c["(new connection)"] for c in logged.values())
    heartbeats = sum(n for c in logged.values() for k, n in c.items() if HEARTBEAT_SQL in k)
    beyond = (statements - heartbeats) / minutes
    rows = [
        [r, k, n, f"{n / minutes:.2f}"]
        for r, c in sorted(logged.items())
        for k, n in c.most_common()
    ]
    print(
        table(
            ["session role", "statement (log_statement)", "count", "per minute"],
            rows or [["—", "(nothing)", 0, "0"]],
        )
    )
    print(
        table(
            [
                "window",
                "statements",
                "per minute",
                "heartbeats /min (documented 2)",
                "beyond heartbeat /min",
                "new connections /min",
                "transactions (pg_stat_database) /min",
                "goal",
                "result",
            ],
            [
                [
                    f"{minutes:g} min",
                    statements,
                    f"{statements / minutes:.2f}",
                    f"{heartbeats / minutes:.2f}",
                    f"{beyond:.2f}",
                    f"{connections / minutes:.2f}",
                    f"{(x1 - x0) / minutes:.2f}",
                    "≤ 1 beyond heartbeat",
                    "pass" if beyond <= 1 and alive else "FAIL",
                ]
            ],
        )
    )
    print("pg_stat_statements (calls, query):")
    for c in calls:
        print(f"  {c['calls']:5d}  {' '.join(c['query'].split())[:100]}")
    print(machine_note(m))
    save(
        "idle-quick" if args.quick else "idle",
        {
            "machine": m,
            "minutes": minutes,
            "statements": statements,
            "connections": connections,
            "xacts": x1 - x0,
            "beyond_per_minute": beyond,
            "by_role": {r: dict(c) for r, c in logged.items()},
            "pg_stat_statements": [dict(c) for c in calls],
        },
    )


if __name__ == "__main__":
    main()
