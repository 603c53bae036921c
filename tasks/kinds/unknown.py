"""Any job kind xtbatch does not know ends Done with an exit status that says so."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.runner import job_kind
from xtbatch.errors import JobKindUnknown
from xtbatch.kinds import POLICIES, UNKNOWN


@job_kind(UNKNOWN)
def unknown(ctx: JobContext) -> str | None:
    known = ", ".join(sorted(k for k in POLICIES if k != UNKNOWN))
    raise JobKindUnknown(
        f"Unknown job kind '{ctx.job.action}': xtbatch has no job of that name.\n"
        f"Known kinds: {known}."
    )
