"""The declaration of every job kind, in one place: its parameters, its time limit, whether a
run may be repeated after an interruption, and what it needs from the database.

A job kind's function lives in ``tasks/kinds/<module>.py`` and binds itself to its declaration
here by name (``@job_kind("Ping")``, which fails at import when there is none). The
declaration is data in the core so that every reader agrees without importing ``tasks/``: the
bridge (which dispatches), the worker (which runs and checks parameters), ``xtbatch submit``
(which checks parameters before inserting) and the README's table of kinds
(:func:`markdown_table`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xtbatch.parameters import COST_FLAGS, LOOKAHEAD, SELECTORS, Param, ParamType, offset

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
    # The parameters it reads: checked by the worker before the kind runs and by
    # `xtbatch submit` before the job is inserted (xtbatch.parameters).
    params: tuple[Param, ...]

    @property
    def task_name(self) -> str:
        return f"xtbatch.job.{self.name}"

    @property
    def soft_time_limit(self) -> int:
        return max(self.time_limit - 60, int(self.time_limit * 0.9))


def _flags(*names: str) -> tuple[Param, ...]:
    return tuple(Param(name=name, type=ParamType.BOOL) for name in names)


_LEVELS = (
    Param(
        name="period_id_list",
        type=ParamType.ID_LIST,
        required=True,
        meaning="accounting periods",
    ),
    *LOOKAHEAD,
    *SELECTORS,
)
_COSTS = (*SELECTORS, *COST_FLAGS)
_RECURRING = (Param(name="type", type=ParamType.TEXT, meaning="the kind's recurring type"),)
# The Create Recurring Items kinds: the type each passes to createRecurringItems (the one the
# client submits in its "type" parameter) and what it creates.
RECURRING: dict[str, tuple[str, str]] = {
    "CreateRecurringInvoices": ("I", "invoices"),
    "CreateRecurringVouchers": ("V", "vouchers"),
    "CreateRecurringIncidents": ("INCDT", "incidents"),
    "CreateRecurringProjects": ("J", "projects"),
    "CreateRecurringTodos": ("TODO", "to-do items"),
}

_MINUTE = 60
_HOUR = 3600

POLICIES: dict[str, KindPolicy] = {
    p.name: p
    for p in (
        KindPolicy(
            name="Ping",
            time_limit=2 * _HOUR,
            safe_to_repeat=True,
            params=(
                Param(name="seconds", type=ParamType.NUMBER, meaning="seconds to hold the job"),
            ),
        ),
        KindPolicy(name=UNKNOWN, time_limit=5 * _MINUTE, safe_to_repeat=True, params=()),
        KindPolicy(
            name="Email",
            time_limit=10 * _MINUTE,
            safe_to_repeat=False,
            sends_own_mail=True,
            params=(),
        ),
        KindPolicy(
            name="RunReport",
            time_limit=30 * _MINUTE,
            safe_to_repeat=False,
            sends_own_mail=True,
            needs="SELECT on the report's tables",
            params=(),
        ),
        KindPolicy(
            name="ServerMaintenance",
            time_limit=6 * _HOUR,
            safe_to_repeat=True,
            needs_superuser=True,
            needs="a PostgreSQL superuser to REINDEX every table",
            params=(),
        ),
        KindPolicy(
            name="UpdateReorderLevel",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on updateReorderLevel, UPDATE on itemsite",
            params=_LEVELS,
        ),
        KindPolicy(
            name="UpdateOUTLevel",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on updateOUTLevel, UPDATE on itemsite",
            params=_LEVELS,
        ),
        KindPolicy(
            name="UpdateActualCost",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on doUpdateCosts, UPDATE on itemcost",
            params=_COSTS,
        ),
        KindPolicy(
            name="UpdateStandardCost",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on doUpdateCosts, UPDATE on itemcost",
            params=_COSTS,
        ),
        KindPolicy(
            name="PostActualCost",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on doPostCosts, UPDATE on itemcost and costhist",
            params=_COSTS,
        ),
        KindPolicy(
            name="PostInvoices",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on postInvoices and the A/R and G/L privileges it uses",
            params=_flags("postUnprinted", "printSalesJournal", "inclZero"),
        ),
        KindPolicy(
            name="PostGLSeries",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="EXECUTE on postGLSeriesNoSumm and fetchJournalNumber",
            params=(
                Param(
                    name="glseries_sequence",
                    type=ParamType.WHOLE,
                    required=True,
                    meaning="the sequence number of a G/L series",
                ),
            ),
        ),
        *(
            KindPolicy(
                name=name,
                time_limit=_HOUR,
                safe_to_repeat=True,
                needs="EXECUTE on createRecurringItems",
                params=_RECURRING,
            )
            for name in RECURRING
        ),
        KindPolicy(
            name="AllocateReservations",
            time_limit=_HOUR,
            safe_to_repeat=True,
            needs="EXECUTE on reserveAllSo (sales order reservations)",
            params=(
                offset("startDateOffset"),
                offset("endDateOffset"),
                *_flags("addPackingList"),
                Param(name="cust_id", type=ParamType.WHOLE, meaning="the id of a customer"),
                Param(name="shipto_id", type=ParamType.WHOLE, meaning="the id of a ship-to"),
                Param(name="custtype_id", type=ParamType.WHOLE, meaning="the id of a type"),
                Param(name="custtype_pattern", type=ParamType.ANY),
            ),
        ),
        KindPolicy(
            name="UpdateLateCustCreditStatus",
            time_limit=30 * _MINUTE,
            safe_to_repeat=True,
            needs="UPDATE on custinfo, SELECT on aropen and metric",
            params=(),
        ),
        KindPolicy(
            name="RunMRP",
            time_limit=4 * _HOUR,
            safe_to_repeat=True,
            needs="xTuple's manufacturing package",
            params=(
                # cutoff_offset, else cutOffDate, else the missing cutoff_offset is named.
                offset("cutoff_offset", required=False),
                Param(name="cutOffDate", type=ParamType.DATE),
                *SELECTORS,
                *_flags("deleteFirmed", "MPS"),
                Param(name="DeleteFirmed", type=ParamType.FLAG),
                Param(
                    name="planningType",
                    type=ParamType.TEXT,
                    default="M",
                    meaning="M (MRP) or S (MPS)",
                ),
            ),
        ),
        KindPolicy(
            name="ReleasePlannedOrders",
            time_limit=_HOUR,
            safe_to_repeat=False,
            needs="xTuple's manufacturing package",
            params=(offset("cutoff_offset"), *SELECTORS, *_flags("firmedOnly")),
        ),
    )
}


def policy(kind: str | None) -> KindPolicy:
    """The policy of a job kind; unknown kinds get the policy of the Unknown task."""
    return POLICIES.get(kind or "", POLICIES[UNKNOWN])


def longest_time_limit() -> int:
    return max(p.time_limit for p in POLICIES.values())


def _duration(seconds: int) -> str:
    return f"{seconds // _HOUR} h" if seconds % _HOUR == 0 else f"{seconds // _MINUTE} min"


# Parameter groups several kinds declare whole, shown by their name in the table.
_GROUPS = {"selectors": SELECTORS, "cost flags": COST_FLAGS}


def _param(p: Param) -> str:
    if p.required:
        return f"`{p.name}` (required)"
    return f"`{p.name}`" if p.default is None else f"`{p.name}` (default {p.default})"


def _params(declared: tuple[Param, ...]) -> str:
    shown = [_param(p) for p in declared if not any(p in g for g in _GROUPS.values())]
    groups = [label for label, group in _GROUPS.items() if set(group) <= set(declared)]
    return ", ".join(shown + [f"the {label}" for label in groups]) or "none"


def markdown_table() -> str:
    """The README's table of the job kinds, written from their declarations (a test checks
    that the README shows it as written here)."""
    lines = [
        "| kind | time limit | run again after an interruption | parameters | needs |",
        "|---|---|---|---|---|",
    ]
    for p in sorted(POLICIES.values(), key=lambda p: (p.name == UNKNOWN, p.name)):
        name = f"{p.name} (any other action)" if p.name == UNKNOWN else p.name
        lines.append(
            f"| {name} | {_duration(p.time_limit)} | {'yes' if p.safe_to_repeat else 'no'} "
            f"| {_params(p.params)} | {p.needs or 'nothing'} |"
        )
    for label, group in _GROUPS.items():
        lines.append(f"\nThe {label}: {', '.join(f'`{p.name}`' for p in group)}.")
    return "\n".join(lines)
