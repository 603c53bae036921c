"""Prometheus metrics of the bridge, served on /metrics when XTBATCH_METRICS_PORT is set.

Counters and histograms are fed by what the bridge already sees (its dispatches and the
NOTIFY of every ended attempt), so they cost no query. The gauges about the queue (due jobs,
age of the oldest) are read from the database when Prometheus scrapes, on a connection of
their own, so an unscraped bridge sends nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from xtbatch import db
from xtbatch.db import Row
from xtbatch.kinds import UNKNOWN, policy
from xtbatch.settings import Settings

log = logging.getLogger(__name__)

RUN_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600)
DELAY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 60, 3600)


@dataclass
class InFlight:
    kind: str
    since: float  # monotonic time of the dispatch, then of the worker's claim


class QueueCollector(Collector):
    """Due jobs and the age of the oldest, read at scrape time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.conn: psycopg.Connection[Row] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        due = GaugeMetricFamily("xtbatch_due_jobs", "Jobs due now and not started.")
        age = GaugeMetricFamily(
            "xtbatch_oldest_due_job_age_seconds",
            "How long the oldest due job has been due (0 when none is).",
        )
        up = GaugeMetricFamily(
            "xtbatch_database_up", "1 when the bridge's scrape reached the database."
        )
        row = self._read()
        up.add_metric([], 0 if row is None else 1)
        if row is not None:
            due.add_metric([], float(row["due"]))
            age.add_metric([], float(row["oldest_age"] or 0))
            yield due
            yield age
        yield up

    def _read(self) -> Row | None:
        with self.lock:
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = db.connect(self.settings, "bridge-metrics")
                return db.fetch_one(self.conn, "metrics_queue")
            except Exception as exc:  # a scrape must answer even when the database is down
                log.debug("metrics scrape could not read the database: %s", exc)
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                return None


class BridgeMetrics:
    def __init__(self, settings: Settings) -> None:
        self.registry = CollectorRegistry()
        self.leader = Gauge(
            "xtbatch_bridge_leader",
            "1 while this bridge leads its database, 0 on standby.",
            registry=self.registry,
        )
        self.dispatched = Counter(
            "xtbatch_jobs_dispatched_total",
            "Jobs sent to the queue, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.ended = Counter(
            "xtbatch_jobs_ended_total",
            "Attempts that ended, by kind and outcome (succeeded, failed, interrupted, cancelled).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.notices_failed = Counter(
            "xtbatch_notices_failed_total",
            "Ended jobs whose submitter could not be told (no email, no system message), "
            "by kind. The job's exit status stays its own outcome.",
            ["kind"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "xtbatch_job_duration_seconds",
            "From the worker's claim (or, where the bridge missed it, the dispatch) to the "
            "end of the attempt, by kind.",
            ["kind"],
            buckets=RUN_BUCKETS,
            registry=self.registry,
        )
        self.delay = Histogram(
            "xtbatch_dispatch_delay_seconds",
            "From the job's batch_scheduled to its dispatch (large after downtime).",
            buckets=DELAY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(QueueCollector(settings))
        self.in_flight: dict[int, InFlight] = {}

    def serve(self, address: str, port: int) -> None:
        start_http_server(port, addr=address, registry=self.registry)
        log.info(
            "metrics on http://%s:%d/metrics",
            address,
            port,
            extra={"action": "bridge.metrics", "port": port},
        )

    def on_dispatch(self, batch_id: int, kind: str | None, due_for: float | None) -> None:
        kind = policy(kind).name  # unknown kinds share one label: bounded cardinality
        self.dispatched.labels(kind).inc()
        self.delay.observe(max(due_for or 0.0, 0.0))
        self.in_flight[batch_id] = InFlight(kind=kind, since=time.monotonic())

    def on_started(self, payloads: Iterable[str]) -> None:
        """A worker claimed a job ('<batch_id>'): its run starts now. A job dispatched one
        ahead waited on the queue behind the running one before that."""
        for payload in payloads:
            flight = self.in_flight.get(int(payload)) if payload.isdigit() else None
            if flight is not None:
                flight.since = time.monotonic()

    def on_notifications(self, payloads: Iterable[str]) -> None:
        """Attempt-ended notifications look like '<batch_id> <state>[ notice_failed]'."""
        for payload in payloads:
            batch, _, rest = payload.partition(" ")
            state, _, flag = rest.partition(" ")
            if not batch.isdigit() or state in ("insert", "update", "delete", ""):
                continue
            flight = self.in_flight.pop(int(batch), None)
            kind = flight.kind if flight else UNKNOWN
            self.ended.labels(kind, state).inc()
            if flag == "notice_failed":
                self.notices_failed.labels(kind).inc()
            if flight is not None:
                self.duration.labels(kind).observe(time.monotonic() - flight.since)
