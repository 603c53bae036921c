"""ServerMaintenance: VACUUM ANALYZE and REINDEX every table, one table at a time.

VACUUM cannot run inside a transaction block, so each statement runs on its own on the job's
autocommit connection. A superuser maintains every table. Anyone else maintains what
PostgreSQL lets them (VACUUM ANALYZE of the tables they or the database owner own, REINDEX of
the tables they own) and the job then fails with an exit status that names the user and lists
every table skipped, because REINDEX of all tables needs a PostgreSQL superuser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from tasks.context import JobContext
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed


@dataclass
class Outcome:
    done: int = 0
    vacuum_skipped: list[str] = field(default_factory=list)
    reindex_skipped: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)


def _maintain(ctx: JobContext, row: dict[str, object], name: str, outcome: Outcome) -> None:
    table = sql.Identifier(str(row["schema_name"]), str(row["table_name"]))
    try:
        if row["may_vacuum"]:
            ctx.conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
        else:
            outcome.vacuum_skipped.append(name)
        if row["may_reindex"]:
            ctx.conn.execute(sql.SQL("REINDEX TABLE {}").format(table))
        else:
            outcome.reindex_skipped.append(name)
    except psycopg.errors.UndefinedTable:
        # Dropped since the list was read (temporary work tables come and go).
        outcome.vanished.append(name)
        return
    outcome.done += 1


def _skipped_status(user: str, outcome: Outcome, total: int) -> str:
    lines = [
        f"ServerMaintenance was incomplete: database user '{user}' is not a PostgreSQL "
        f"superuser, so {len(outcome.reindex_skipped)} of {total} tables were not fully "
        "maintained.",
        "REINDEX of all tables needs a PostgreSQL superuser: run xtbatch's worker as a "
        "superuser (such as 'admin' or 'postgres'), as the batch manager's manual advises.",
    ]
    if outcome.vacuum_skipped:
        lines.append(
            f"Skipped VACUUM ANALYZE (not owner) on {len(outcome.vacuum_skipped)} table(s): "
            + ", ".join(outcome.vacuum_skipped)
        )
    lines.append(
        f"Skipped REINDEX (not owner) on {len(outcome.reindex_skipped)} table(s): "
        + ", ".join(outcome.reindex_skipped)
    )
    return "\n".join(lines)


@job_kind("ServerMaintenance")
def server_maintenance(ctx: JobContext) -> str | None:
    me = db.fetch_one(ctx.conn, "current_user_info") or {}
    user, superuser = str(me.get("username") or ""), bool(me.get("superuser"))
    tables = db.fetch_all(ctx.conn, "maintenance_tables")
    total = len(tables)
    ctx.log.info(
        "maintaining %d table(s) as %s%s",
        total,
        user,
        " (superuser)" if superuser else " (not a superuser: some tables will be skipped)",
        extra={"action": "kind.maintenance_started", "tables": total},
    )
    outcome = Outcome()
    for k, row in enumerate(tables, start=1):
        ctx.check_cancelled()
        name = f"{row['schema_name']}.{row['table_name']}"
        _maintain(ctx, row, name, outcome)
        ctx.progress(k, total, name)
    ctx.log.info(
        "maintained %d of %d table(s); VACUUM skipped on %d, REINDEX skipped on %d",
        outcome.done,
        total,
        len(outcome.vacuum_skipped),
        len(outcome.reindex_skipped),
        extra={
            "action": "kind.maintenance_done",
            "tables": total,
            "vacuum_skipped": len(outcome.vacuum_skipped),
            "reindex_skipped": len(outcome.reindex_skipped),
        },
    )
    if outcome.reindex_skipped or outcome.vacuum_skipped:
        raise JobFailed(_skipped_status(user, outcome, total))
    gone = f" ({len(outcome.vanished)} dropped while it ran)" if outcome.vanished else ""
    return f"VACUUM ANALYZE and REINDEX done on {outcome.done} of {total} table(s){gone}"
