"""PostGLSeries: post a saved G/L series (postGLSeriesNoSumm with a new G/L journal number),
after the balance check the G/L Series screen makes."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.kinds.prerequisites import Needed, require_functions
from tasks.runner import job_kind
from xtbatch import db
from xtbatch.errors import JobFailed


@job_kind("PostGLSeries")
def post_gl_series(ctx: JobContext) -> str | None:
    sequence = int(
        ctx.params.required("glseries_sequence", int, "the sequence number of a G/L series")
    )
    require_functions(
        ctx,
        Needed(signature="postGLSeriesNoSumm(integer, integer)"),
        Needed(signature="fetchJournalNumber(text)"),
    )
    with ctx.conn.transaction():
        summary = db.fetch_one(ctx.conn, "post_gl_series_summary", {"sequence": sequence}) or {}
        lines = int(summary.get("lines") or 0)
        if not lines:
            raise JobFailed(
                f"G/L series {sequence} has no lines to post: it was posted or deleted "
                "after the job was submitted."
            )
        if summary.get("balance"):
            raise JobFailed(
                f"G/L series {sequence} is unbalanced (debits minus credits = "
                f"{summary['balance']}) and cannot be posted. Correct it, then retry the job."
            )
        result = int(db.scalar(ctx.conn, "post_gl_series_run", {"sequence": sequence}))
        if result < 0:
            raise JobFailed(
                f"postGLSeriesNoSumm failed (error {result}); G/L series {sequence} was not posted."
            )
    ctx.log.info(
        "posted G/L series %d: %d line(s)",
        sequence,
        lines,
        extra={"action": "kind.glseries_posted", "sequence": sequence, "lines": lines},
    )
    return f"G/L series {sequence} posted ({lines} line(s))"
