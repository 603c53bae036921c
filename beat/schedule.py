"""What beat does and when: the nightly times (settings XTBATCH_MAINTENANCE_AT and
XTBATCH_PURGE_AT, validated with every other setting in xtbatch/settings.py).

Times are wall-clock times of the beat host (its ``TZ``). Each periodic action has one slot a
day; the slot is its key in ``xtbatch_mgr.periodic``, so a second beat, or a restart, never
submits the same slot twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xtbatch.settings import Settings

MAINTENANCE = "ServerMaintenance"
PURGE = "PurgeHistory"

# A slot missed while beat was down is still run when beat is back within this window; later
# than that it waits for the next night, so maintenance never starts in the working day.
CATCH_UP = dt.timedelta(hours=2)

# Completed jobs are deleted after this many days when the metric BatchManagerPurgeDays is
# absent or not a number.
DEFAULT_PURGE_DAYS = 30

# Worker rows whose heartbeat is older than this are deleted by the purge.
STALE_WORKER_SECONDS = 24 * 3600


@dataclass(frozen=True, kw_only=True)
class Periodic:
    """One nightly action: its key in xtbatch_mgr.periodic and its local time of day."""

    name: str
    at: dt.time

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The most recent slot at or before ``now`` (naive local times)."""
        slot = dt.datetime.combine(now.date(), self.at)
        return slot if slot <= now else slot - dt.timedelta(days=1)

    def next_slot(self, now: dt.datetime) -> dt.datetime:
        return self.latest_slot(now) + dt.timedelta(days=1)

    def due_slot(self, now: dt.datetime) -> dt.datetime | None:
        """The slot to run now: the latest one, unless it was missed by more than CATCH_UP."""
        slot = self.latest_slot(now)
        return slot if now - slot <= CATCH_UP else None


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Beat's nightly actions (either may be off)."""

    maintenance: Periodic | None
    purge: Periodic | None

    @property
    def actions(self) -> tuple[Periodic, ...]:
        return tuple(p for p in (self.purge, self.maintenance) if p is not None)

    def describe(self) -> str:
        parts = [f"{p.name} at {p.at:%H:%M}" for p in self.actions]
        return ", ".join(parts) if parts else "nothing (every action is off)"


def load_plan(settings: Settings) -> Plan:
    """Beat's plan from its settings (``XTBATCH_MAINTENANCE_AT``, ``XTBATCH_PURGE_AT``)."""
    maintenance, purge = settings.maintenance_at, settings.purge_at
    return Plan(
        maintenance=None if maintenance is None else Periodic(name=MAINTENANCE, at=maintenance),
        purge=None if purge is None else Periodic(name=PURGE, at=purge),
    )


def purge_days(metric_value: str | None) -> int:
    """Days completed jobs are kept, from the metric BatchManagerPurgeDays.

    Absent, empty or not a whole number: DEFAULT_PURGE_DAYS. Zero or less: keep forever (0).
    """
    try:
        days = int(str(metric_value).strip())
    except ValueError:
        return DEFAULT_PURGE_DAYS
    return max(days, 0)
