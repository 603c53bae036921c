"""PostInvoices: Post Invoices (postInvoices), in one transaction as the screen posts them.

Parameters: ``postUnprinted`` (post invoices not yet printed), ``printSalesJournal`` (the
client printed the SalesJournal report afterwards; a headless worker has no printer, so the
job names the journal number to run that report with), optional ``inclZero`` (post
zero-amount invoices too; the screen's default answer is no).
"""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed

_FLAG = "true or false"

# What postInvoices() returns when it fails, in the words of the desktop client.
ERRORS = {
    -5: "The G/L account assignments for one or more of the invoices are not configured "
    "correctly, so G/L transactions cannot be posted for them. Have your systems "
    "administrator correct them, then retry the job.",
}


@job_kind("PostInvoices")
def post_invoices(ctx: JobContext) -> str | None:
    post_unprinted = bool(ctx.params.typed("postUnprinted", bool, _FLAG))
    print_journal = bool(ctx.params.typed("printSalesJournal", bool, _FLAG))
    include_zero = bool(ctx.params.typed("inclZero", bool, _FLAG))
    require_functions(
        ctx,
        Needed(signature="postInvoices(boolean, boolean)"),
        Needed(signature="checkInvoiceSitePrivs(integer)"),
    )
    with ctx.conn.transaction():
        counts = db.fetch_one(ctx.conn, "post_invoices_unposted") or {}
        printed, unprinted = int(counts.get("printed") or 0), int(counts.get("unprinted") or 0)
        if not printed and not unprinted:
            ctx.log.info("no unposted invoices", extra={"action": "kind.invoices_none"})
            return "no invoices to post"
        if not printed and not post_unprinted:
            raise JobFailed(
                f"No invoices were posted: the {unprinted} unposted invoice(s) are not printed.\n"
                "Print them, or submit Post Invoices with 'Post Unprinted Invoices' checked."
            )
        before = int(db.scalar(ctx.conn, "post_invoices_posted_count") or 0)
        result = int(
            db.scalar(
                ctx.conn,
                "post_invoices_run",
                {"post_unprinted": post_unprinted, "include_zero": include_zero},
            )
        )
        if result < 0:
            raise JobFailed(
                f"postInvoices failed (error {result}); no invoices were posted.\n"
                + ERRORS.get(result, "See xTuple's documentation of postInvoices for the code.")
            )
        posted = int(db.scalar(ctx.conn, "post_invoices_posted_count") or 0) - before
    ctx.log.info(
        "posted %d invoice(s) in sales journal %d (%d printed, %d unprinted were waiting)",
        posted,
        result,
        printed,
        unprinted,
        extra={"action": "kind.invoices_posted", "posted": posted, "journal": result},
    )
    journal = (
        f"; run the SalesJournal report with journalNumber {result} to print the journal"
        if print_journal
        else ""
    )
    return f"{posted} invoice(s) posted in sales journal {result}{journal}"
