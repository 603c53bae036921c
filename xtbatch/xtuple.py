"""xTuple's side of the drop-in: xtbatch as an xTuple package, xtrole's grants, the metric
EnableBatchManager, and whether the desktop client's statements resolve.

The SQL is in ``sql/xtuple.sql``; the functions it calls are created by migration 0005.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import psycopg

from xtbatch import __version__, db
from xtbatch.db import Row

PACKAGE_DESCRIPTION = "xtbatch: the batch manager (xTuple Connect's batch tables and functions)"
PACKAGE_COMMENT = "xTuple Connect batch tables and functions, served by xtbatch"
ENABLE_METRIC = "SELECT setMetric('EnableBatchManager', 't');"
# The parents of a package's tables. A package is enabled while its pkg<parent> tables inherit
# them. xTuple's enablePackage() would restore that, but it tests the server version by
# comparing text ('PostgreSQL 15…' < 'PostgreSQL 8.2') and does nothing from PostgreSQL 10 on,
# so the fix given is the statements themselves.
PKG_PARENTS = ("cmd", "cmdarg", "image", "metasql", "priv", "report", "script", "uiform")
ENABLE_PACKAGE = " ".join(
    f"ALTER TABLE xtbatch.pkg{parent} INHERIT public.{parent};" for parent in PKG_PARENTS
)


class PackageState(enum.StrEnum):
    """Where xtbatch stands as an xTuple package (the values xtbatch_mgr returns)."""

    NO_XTUPLE = "no xtuple"  # no pkghead / packageIsEnabled / createPkgSchema: plain PostgreSQL
    UNREGISTERED = "unregistered"
    REGISTERED = "registered"  # registered by this install
    ENABLED = "enabled"
    DISABLED = "disabled"


class MetricState(enum.StrEnum):
    ON = "on"
    OFF = "off"
    NO_XTUPLE = "no xtuple"  # no metric table


@dataclass(frozen=True, kw_only=True)
class Missing:
    """A privilege xtrole needs and lacks."""

    object: str
    kind: str  # schema, table or sequence
    privilege: str
    owned: bool  # xtbatch created the object (else it is xTuple Connect's)

    @classmethod
    def from_row(cls, row: Row) -> Missing:
        return cls(
            object=row["object"],
            kind=row["kind"],
            privilege=row["privilege"],
            owned=bool(row["owned"]),
        )


@dataclass(frozen=True, kw_only=True)
class Probe:
    """One of the desktop client's statements and where it comes from."""

    block: str
    source: str


PROBES = (
    Probe(block="probe_submit_action_asap", source="submitAction (ASAP)"),
    Probe(block="probe_submit_action_scheduled", source="submitAction (scheduled)"),
    Probe(block="probe_submit_action_param", source="submitAction's batchparam insert"),
    Probe(block="probe_submit_report_asap", source="submitReport (ASAP)"),
    Probe(block="probe_submit_report_param", source="submitReport's batchparam insert"),
    Probe(block="probe_deliver_email", source="deliverEmail (8 arguments)"),
    Probe(block="probe_deliver_report", source="deliverInvoice / deliverSalesOrder (9 arguments)"),
    Probe(block="probe_has_alarms", source="hasAlarms()"),
    Probe(block="probe_retry", source="Batch Manager Retry"),
    Probe(block="probe_cancel", source="Batch Manager Cancel"),
)


def register_package(conn: psycopg.Connection[Row]) -> PackageState:
    """Register xtbatch as an xTuple package with xTuple's createPkgSchema(), unless the
    database lacks the package machinery or xtbatch is registered already."""
    state = db.scalar(
        conn,
        "xtuple_register_package",
        {"version": __version__, "descrip": PACKAGE_DESCRIPTION, "comment": PACKAGE_COMMENT},
    )
    return PackageState(state)


def package_state(conn: psycopg.Connection[Row]) -> PackageState:
    return PackageState(db.scalar(conn, "xtuple_package_state"))


def grant_xtrole(conn: psycopg.Connection[Row]) -> list[str] | None:
    """Grant xtrole what the client needs on xtbatch's objects; None where no xtrole exists."""
    granted: Any = db.scalar(conn, "xtuple_grant_xtrole")
    return None if granted is None else list(granted)


def xtrole_missing(conn: psycopg.Connection[Row]) -> list[Missing]:
    return [Missing.from_row(row) for row in db.fetch_all(conn, "xtuple_xtrole_missing")]


def xtrole_reaches_bookkeeping(conn: psycopg.Connection[Row]) -> bool:
    return bool(db.scalar(conn, "xtuple_xtrole_reaches_bookkeeping"))


def grant_statements(missing: list[Missing]) -> list[str]:
    """The GRANT statements that give xtrole what it lacks, one per object."""
    by_object: dict[tuple[str, str], list[str]] = {}
    for item in missing:
        by_object.setdefault((item.kind, item.object), []).append(item.privilege)
    return [
        f"GRANT {', '.join(privileges)} ON {kind.upper()} {name} TO xtrole;"
        for (kind, name), privileges in by_object.items()
    ]


def batch_manager_metric(conn: psycopg.Connection[Row]) -> MetricState:
    row = db.fetch_one(conn, "xtuple_batch_manager_metric") or {}
    if not row.get("has_metrics"):
        return MetricState.NO_XTUPLE
    return MetricState.ON if row.get("value") == "t" else MetricState.OFF


def unresolved_client_calls(conn: psycopg.Connection[Row]) -> list[tuple[Probe, str]]:
    """The client's statements that do not parse in a session whose search_path is the one
    xTuple's login(true) sets, each with the server's first line. Nothing runs."""
    failed: list[tuple[Probe, str]] = []
    with conn.transaction():
        path = db.scalar(conn, "xtuple_client_search_path")
        if path:
            db.scalar(conn, "xtuple_set_client_search_path", {"search_path": path})
        for probe in PROBES:
            try:
                with conn.transaction():
                    db.execute(conn, probe.block)
                    db.execute(conn, "xtuple_probe_done")
            except psycopg.Error as exc:
                failed.append((probe, db.first_line(exc)))
    return failed
