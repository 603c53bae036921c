"""What a job kind needs from the ERP database, checked before it starts.

A kind names the xTuple functions it calls (by signature, with the package that provides them)
and the table privileges it needs; a missing function ends the job with an exit status naming
it and its package, a missing privilege with one naming the user and the GRANT to run.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.context import JobContext
from xtbatch import db
from xtbatch.errors import FunctionMissing, PrivilegeMissing

FOUNDATION = "xTuple ERP's own database functions (every edition has them)"
MANUFACTURING = "xTuple's manufacturing package (xtmfg)"


@dataclass(frozen=True, kw_only=True)
class Needed:
    """One function a kind calls: its signature as to_regprocedure reads it, and its package."""

    signature: str
    package: str = FOUNDATION


def _user(ctx: JobContext) -> str:
    return str(db.scalar(ctx.conn, "current_user_info") or "")


def require_functions(ctx: JobContext, *needed: Needed) -> None:
    """Check that every function exists and the connected role may execute it.

    Raises:
        FunctionMissing: a function is absent (the message names it and its package).
        PrivilegeMissing: the role lacks EXECUTE on one.
    """
    missing = []
    denied = []
    for need in needed:
        row = db.fetch_one(ctx.conn, "kinds_function_status", {"signature": need.signature})
        if row is None or not row["present"]:
            missing.append(need)
        elif not row["executable"]:
            denied.append(need)
    if missing:
        lines = "\n".join(f"- {n.signature}, from {n.package}" for n in missing)
        packages = sorted({n.package for n in missing})
        raise FunctionMissing(
            f"{ctx.job.action or 'This job'} cannot run: this database lacks "
            f"{'the function' if len(missing) == 1 else 'these functions'} it calls:\n{lines}\n"
            f"Install or enable {' and '.join(packages)}, then retry the job."
        )
    if denied:
        user = _user(ctx)
        grants = "\n".join(f"GRANT EXECUTE ON FUNCTION {n.signature} TO {user};" for n in denied)
        raise PrivilegeMissing(
            f"Permission denied: database user '{user}' may not execute "
            f"{', '.join(n.signature for n in denied)}.\n"
            f"Ask a database administrator to run:\n{grants}"
        )


def require_table_privilege(ctx: JobContext, table: str, privilege: str) -> None:
    """Check that the connected role holds a privilege on a table.

    Raises:
        FunctionMissing: the table does not exist (the database is not an xTuple one).
        PrivilegeMissing: the role lacks the privilege.
    """
    row = db.fetch_one(ctx.conn, "kinds_table_privilege", {"table": table, "privilege": privilege})
    if row is None or not row["present"]:
        raise FunctionMissing(
            f"{ctx.job.action or 'This job'} cannot run: this database has no table "
            f"'{table}'. Is it an xTuple ERP database?"
        )
    if not row["granted"]:
        user = _user(ctx)
        raise PrivilegeMissing(
            f"Permission denied: database user '{user}' lacks the {privilege} privilege "
            f"on table {table}.\n"
            f"Ask a database administrator to run: GRANT {privilege} ON TABLE {table} TO {user};"
        )
