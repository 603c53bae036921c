"""The per-kind policy, in one place: time limit, whether a run may be repeated after an
interruption, and what the kind needs from the database.

A job kind's code lives in ``tasks/<module>.py``; its policy lives here so that the bridge
(which dispatches) and the worker (which runs) agree without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN = "Unknown"


@dataclass(frozen=True, kw_only=True)
class KindPolicy:
    name: str
    # Hard limit: the worker child is killed after this many seconds; the soft limit (a
    # minute earlier) raises inside the job so it can end cleanly.
    time_limit: int
    # After an interrupted run (worker killed) the job may run once more.
    safe_to_repeat: bool
    # The job's own email is the submitter's notification (Email, RunReport).
    sends_own_mail: bool = False
    needs_superuser: bool = False
    # What the job needs, in words, for the exit status and `xtbatch doctor`.
    needs: str = ""

    @property
    def task_name(self) -> str:
        return f"xtbatch.job.{self.name}"

    @property
    def soft_time_limit(self) -> int:
        return max(self.time_limit - 60, int(self.time_limit * 0.9))


_MINUTE = 60
_HOUR = 3600

POLICIES: dict[str, KindPolicy] = {
    p.name: p
    for p in (
        KindPolicy(name="Ping", time_limit=2 * _HOUR, safe_to_repeat=True),
        KindPolicy(name=UNKNOWN, time_limit=5 * _MINUTE, safe_to_repeat=True),
        KindPolicy(
            name="Email", time_limit=10 * _MINUTE, safe_to_repeat=False, sends_own_mail=True
        ),
        KindPolicy(
            name="RunReport",
            time_limit=30 * _MINUTE,
            safe_to_repeat=False,
            sends_own_mail=True,
            needs="SELECT on the report's tables",
        ),
        KindPolicy(
            name="ServerMaintenance",
            time_limit=6 * _HOUR,
            safe_to_repeat=True,
            needs_superuser=True,
            needs="a PostgreSQL superuser to REINDEX every table",
        ),
        KindPolicy(
            name="UpdateReorderLevel",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on updateReorderLevel, UPDATE on itemsite",
        ),
        KindPolicy(
            name="UpdateOUTLevel",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on updateOUTLevel, UPDATE on itemsite",
        ),
        KindPolicy(
            name="UpdateActualCost",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on doUpdateCosts, UPDATE on itemcost",
        ),
        KindPolicy(
            name="UpdateStandardCost",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on doUpdateCosts, UPDATE on itemcost",
        ),
        KindPolicy(
            name="PostActualCost",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on doPostCosts, UPDATE on itemcost and costhist",
        ),
        KindPolicy(
            name="PostInvoices",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on postInvoices and the A/R and G/L privileges it uses",
        ),
        KindPolicy(
            name="PostGLSeries",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on postGLSeriesNoSumm and fetchJournalNumber",
        ),
        KindPolicy(
            name="CreateRecurringInvoices",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on createRecurringItems",
        ),
        KindPolicy(
            name="CreateRecurringVouchers",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on createRecurringItems",
        ),
        KindPolicy(
            name="CreateRecurringIncidents",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on createRecurringItems",
        ),
        KindPolicy(
            name="CreateRecurringProjects",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on createRecurringItems",
        ),
        KindPolicy(
            name="CreateRecurringTodos",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on createRecurringItems",
        ),
        KindPolicy(
            name="AllocateReservations",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on reserveAllSo (sales order reservations)",
        ),
        KindPolicy(
            name="UpdateLateCustCreditStatus",
            time_limit=30 * _MINUTE,
            safe_to_repeat=True,
            needs="UPDATE on custinfo, SELECT on aropen and metric",
        ),
        KindPolicy(
            name="RunMRP",
            time_limit=4 * _HOUR,
            safe_to_repeat=True,
            needs="xTuple's manufacturing package",
        ),
        KindPolicy(
            name="ReleasePlannedOrders",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="xTuple's manufacturing package",
        ),
    )
}


def policy(kind: str | None) -> KindPolicy:
    """The policy of a job kind; unknown kinds get the policy of the Unknown task."""
    return POLICIES.get(kind or "", POLICIES[UNKNOWN])


def longest_time_limit() -> int:
    return max(p.time_limit for p in POLICIES.values())
