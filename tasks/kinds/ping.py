"""Ping: the diagnostic job. Optional parameter ``seconds`` holds the job that long (for
`xtbatch doctor`, benchmarks and failover drills)."""

from __future__ import annotations

from tasks.context import JobContext
from tasks.runner import job_kind
from xtbatch.errors import ParameterInvalid

MAX_SECONDS = 7200


@job_kind("Ping")
def ping(ctx: JobContext) -> str | None:
    seconds = ctx.params.typed("seconds", (int, float), "a number of seconds")
    if seconds is None:
        return "pong"
    if not 0 <= seconds <= MAX_SECONDS:
        raise ParameterInvalid(
            f"Parameter 'seconds' is out of range: expected 0 to {MAX_SECONDS}, got {seconds}."
        )
    ctx.sleep(float(seconds))
    return f"pong after {seconds} s"
