"""Leadership: a session advisory lock on a dedicated connection that also LISTENs.

Holding the lock and listening on one connection means that losing the connection (and so
the lock) is noticed at once, as an error while waiting for notifications. A standby waits
for the lock in a blocking call, so it takes over the moment the leader's session ends.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql as pgsql

from xtbatch import db
from xtbatch.db import Row
from xtbatch.settings import Settings

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x78746200  # "xtb\0"
CHANNELS = ("xtbatch_batch", "xtbatch_done")


class Leadership:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: psycopg.Connection[Row] | None = None

    def acquire(self) -> None:
        """Block until this process is the leader, logging who is while standing by.

        Raises:
            DatabaseUnavailable, psycopg.OperationalError: the database went away.
        """
        self.conn = db.connect(self.settings, "bridge")
        if not db.scalar(self.conn, "try_leader_lock", {"key": LEADER_LOCK_KEY}):
            holder = db.fetch_one(self.conn, "leader_holder", {"key": LEADER_LOCK_KEY})
            who = (
                f"{holder['application_name']} (backend pid {holder['pid']})"
                if holder
                else "another bridge"
            )
            log.info(
                "standing by: %s leads %s",
                who,
                db.describe(self.settings),
                extra={"action": "bridge.standby", "leader": who},
            )
            db.execute(self.conn, "leader_lock", {"key": LEADER_LOCK_KEY})
        for channel in CHANNELS:
            self.conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        log.info("leading %s", db.describe(self.settings), extra={"action": "bridge.leader"})

    def wait(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds for notifications; return their payloads.

        Raises:
            psycopg.OperationalError: the connection (and with it the lock) was lost.
        """
        assert self.conn is not None
        payloads = [n.payload for n in self.conn.notifies(timeout=max(timeout, 0), stop_after=1)]
        if payloads:  # take whatever else already arrived, without waiting
            payloads += [n.payload for n in self.conn.notifies(timeout=0)]
        return payloads

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
