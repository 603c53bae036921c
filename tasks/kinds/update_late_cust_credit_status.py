"""UpdateLateCustCreditStatus: put customers with past-due receivables on credit warning, with
the UPDATE the Update Late Customer Credit Status screen runs."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import require_table_privilege
from tasks.runner import job_kind
from xtbatch import db


@job_kind("UpdateLateCustCreditStatus")
def update_late_cust_credit_status(ctx: JobContext) -> str | None:
    require_table_privilege(ctx, "custinfo", "UPDATE")
    require_table_privilege(ctx, "aropen", "SELECT")
    with ctx.conn.transaction():
        changed = db.execute(ctx.conn, "late_credit_status_run")
    ctx.log.info(
        "%d customer(s) put on credit warning",
        changed,
        extra={"action": "kind.credit_status_updated", "customers": changed},
    )
    return f"{changed} customer(s) with past-due invoices put on credit warning"
