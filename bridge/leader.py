"""Leadership: a session advisory lock on a dedicated connection that also LISTENs.

Holding the lock and listening on one connection means that losing the connection (and so
the lock) is noticed at once, as an error while waiting for notifications.

A standby tries the lock every STANDBY_POLL seconds, so it takes over within that time of the
leader's session ending. It never waits in a blocking pg_advisory_lock: the server does not
notice a vanished client while its backend waits on a lock, so a stopped or killed standby
would leave a waiting backend behind that shows as a standby and, once the leader's session
ended, would take the lock with no process behind it. An idle backend notices at once that
its client went away, and holds nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
from psycopg import sql as pgsql

from xtbatch import db
from xtbatch.db import Row
from xtbatch.settings import Settings

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x78746200  # "xtb\0"
DONE_CHANNEL = "xtbatch_done"  # an attempt ended: '<batch_id> <state>[ notice_failed]'
# A worker claimed a job ('<batch_id>'), or refused one because another still ran
# ('<batch_id> busy').
STARTED_CHANNEL = "xtbatch_started"
# xtbatch_batch: a job was submitted, changed or cancelled.
CHANNELS = ("xtbatch_batch", DONE_CHANNEL, STARTED_CHANNEL)
STANDBY_POLL = 0.1  # seconds between a standby's tries of the leader lock


class Leadership:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: psycopg.Connection[Row] | None = None

    def acquire(self, stopping: Callable[[], bool]) -> bool:
        """Return True once this process is the leader, logging who is while standing by;
        False when ``stopping()`` turned true first (the session is then closed by release).

        Raises:
            DatabaseUnavailable, psycopg.OperationalError: the database went away.
        """
        self.conn = db.connect(self.settings, "bridge")
        if not self._try_lock():
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
            while not self._try_lock():
                if stopping():
                    return False
                time.sleep(STANDBY_POLL)
        for channel in CHANNELS:
            self.conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        log.info("leading %s", db.describe(self.settings), extra={"action": "bridge.leader"})
        return True

    def _try_lock(self) -> bool:
        assert self.conn is not None
        return bool(db.scalar(self.conn, "try_leader_lock", {"key": LEADER_LOCK_KEY}))

    def wait(self, timeout: float) -> list[tuple[str, str]]:
        """Wait up to ``timeout`` seconds for notifications; return them as (channel,
        payload).

        Raises:
            psycopg.OperationalError: the connection (and with it the lock) was lost.
        """
        assert self.conn is not None
        found = list(self.conn.notifies(timeout=max(timeout, 0), stop_after=1))
        if found:  # take whatever else already arrived, without waiting
            found += self.conn.notifies(timeout=0)
        return [(n.channel, n.payload) for n in found]

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
