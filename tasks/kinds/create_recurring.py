"""CreateRecurringInvoices / Vouchers / Incidents / Projects / Todos: Create Recurring Items
(createRecurringItems(NULL, type)) for one kind of recurring record."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed, ParameterInvalid

# Each kind and the type the client submits with it (and passes to createRecurringItems).
TYPES = {
    "CreateRecurringInvoices": ("I", "invoices"),
    "CreateRecurringVouchers": ("V", "vouchers"),
    "CreateRecurringIncidents": ("INCDT", "incidents"),
    "CreateRecurringProjects": ("J", "projects"),
    "CreateRecurringTodos": ("TODO", "to-do items"),
}


def create_recurring(ctx: JobContext, kind: str) -> str:
    code, noun = TYPES[kind]
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


@job_kind("CreateRecurringInvoices")
def create_recurring_invoices(ctx: JobContext) -> str | None:
    return create_recurring(ctx, "CreateRecurringInvoices")


@job_kind("CreateRecurringVouchers")
def create_recurring_vouchers(ctx: JobContext) -> str | None:
    return create_recurring(ctx, "CreateRecurringVouchers")


@job_kind("CreateRecurringIncidents")
def create_recurring_incidents(ctx: JobContext) -> str | None:
    return create_recurring(ctx, "CreateRecurringIncidents")


@job_kind("CreateRecurringProjects")
def create_recurring_projects(ctx: JobContext) -> str | None:
    return create_recurring(ctx, "CreateRecurringProjects")


@job_kind("CreateRecurringTodos")
def create_recurring_todos(ctx: JobContext) -> str | None:
    return create_recurring(ctx, "CreateRecurringTodos")
