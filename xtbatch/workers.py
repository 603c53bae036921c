"""When a worker counts as alive: the one definition the bridge and ``xtbatch doctor`` share.

A worker writes its row in ``xtbatch_mgr.worker`` every XTBATCH_WORKER_HEARTBEAT_SECONDS
(tasks/worker.py); the SQL block ``live_workers`` lists the rows of a queue younger than
``alive_within``. The bridge sends a job again only while some worker is alive (a lost
message, not a dead worker); the doctor fails its worker check when none is.
"""

from __future__ import annotations

from xtbatch.settings import Settings


def alive_within(settings: Settings) -> float:
    """Seconds since its last heartbeat within which a worker is alive: two missed heartbeats
    and 5 s of slack (65 s with the default 30 s heartbeat)."""
    return settings.worker_heartbeat_seconds * 2 + 5
