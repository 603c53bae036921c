"""CreateRecurringInvoices / Vouchers / Incidents / Projects / Todos: Create Recurring Items
(createRecurringItems(NULL, type)) for one kind of recurring record."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed, ParameterInvalid
from xtbatch.kinds import RECURRING


def create_recurring(ctx: JobContext) -> str | None:
    """The one function of every Create Recurring Items kind: the job's kind (its action, by
    which the bridge chose this task) says which type it creates."""
    kind = ctx.job.action
    code, noun = RECURRING[kind]
    submitted = ctx.params.typed("type", str, f"'{code}' for {kind}")
    if submitted is not None and submitted.strip().upper() != code:
        raise ParameterInvalid(
            f"Parameter 'type' does not fit the job: {kind} expects '{code}', got {submitted!r}."
        )
    require_functions(ctx, Needed(signature="createRecurringItems(integer, text)"))
    with ctx.conn.transaction():
        result = int(db.scalar(ctx.conn, "create_recurring_run", {"type": code}) or 0)
    if result < 0:
        raise JobFailed(f"createRecurringItems failed for {noun} (error {result}).")
    ctx.log.info(
        "created %d recurring %s",
        result,
        noun,
        extra={"action": "kind.recurring_created", "type": code, "created": result},
    )
    return f"{result} recurring {noun} created"


for _kind in RECURRING:
    job_kind(_kind)(create_recurring)
