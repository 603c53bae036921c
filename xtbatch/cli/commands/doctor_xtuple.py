"""The doctor's checks of what the xTuple desktop client needs (an xTuple database only):
the metric EnableBatchManager, xtbatch as a registered and enabled xTuple package, xtrole's
grants, and that the client's batch statements resolve as after login(true)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from xtbatch import xtuple
from xtbatch.cli.commands.doctor import Check, fail, ok
from xtbatch.db import Row

_NOT_XTUPLE = "not an xTuple database (no pkghead/createPkgSchema)"


def check_metric(conn: psycopg.Connection[Row]) -> Check:
    state = xtuple.batch_manager_metric(conn)
    if state is xtuple.MetricState.NO_XTUPLE:
        return ok("metric", "not an xTuple database (no metric table)")
    if state is xtuple.MetricState.ON:
        return ok("metric", "EnableBatchManager is on: the client shows its batch features")
    return Check(
        name="metric",
        status="WARN",
        detail="EnableBatchManager is off: the xTuple client hides its batch features "
        "(scheduling, emailing reports); jobs submitted otherwise still run",
        fix=f"run in the ERP database: {xtuple.ENABLE_METRIC}",
    )


def check_package(conn: psycopg.Connection[Row]) -> Check:
    state = xtuple.package_state(conn)
    if state is xtuple.PackageState.NO_XTUPLE:
        return ok("package", f"{_NOT_XTUPLE}: no package to register")
    if state is xtuple.PackageState.ENABLED:
        return ok("package", "xtbatch is a registered, enabled xTuple package")
    if state is xtuple.PackageState.DISABLED:
        return fail(
            "package",
            "xtbatch is a registered xTuple package but disabled, so login(true) leaves it "
            "off the client's search_path and submitReportToBatch(...) is not found",
            f"run in the ERP database: {xtuple.ENABLE_PACKAGE}",
        )
    return fail(
        "package",
        "xtbatch is not registered as an xTuple package, so login(true) leaves it off the "
        "client's search_path and submitReportToBatch(...) is not found",
        "run: xtbatch install",
    )


def check_xtrole(conn: psycopg.Connection[Row]) -> Check:
    if xtuple.package_state(conn) is xtuple.PackageState.NO_XTUPLE:
        return ok("xtrole", f"{_NOT_XTUPLE}: no xtrole grants needed")
    if xtuple.xtrole_reaches_bookkeeping(conn):
        return fail(
            "xtrole",
            "xtrole (every xTuple user) can reach xtbatch's bookkeeping schema xtbatch_mgr",
            "run in the ERP database: REVOKE ALL ON SCHEMA xtbatch_mgr FROM xtrole;",
        )
    missing = xtuple.xtrole_missing(conn)
    if not missing:
        return ok("xtrole", "xtrole has what the client's batch flows need")
    fixes = []
    if any(m.owned for m in missing):
        fixes.append("run: xtbatch install")
    theirs = [m for m in missing if not m.owned]
    if theirs:
        fixes.append(
            "xTuple Connect's objects: run in the ERP database: "
            + " ".join(xtuple.grant_statements(theirs))
        )
    lacking = sorted({m.object for m in missing})
    return fail(
        "xtrole",
        f"xtrole lacks privileges the client needs on {', '.join(lacking)}: ordinary users "
        "get 'permission denied'",
        "; ".join(fixes),
    )


def check_client(conn: psycopg.Connection[Row]) -> Check:
    if xtuple.package_state(conn) is xtuple.PackageState.NO_XTUPLE:
        return ok("client", f"{_NOT_XTUPLE}: the desktop client does not connect here")
    failed = xtuple.unresolved_client_calls(conn)
    if not failed:
        return ok(
            "client",
            f"the desktop client's {len(xtuple.PROBES)} batch statements resolve "
            "(search_path as after login(true))",
        )
    shown = "; ".join(f"{probe.source}: {error}" for probe, error in failed[:3])
    return fail(
        "client",
        f"{len(failed)} of the desktop client's batch statements fail: {shown}",
        "run: xtbatch install, then xtbatch doctor again",
    )


XTUPLE_CHECKS: dict[str, Callable[[psycopg.Connection[Row]], Check]] = {
    "metric": check_metric,
    "package": check_package,
    "xtrole": check_xtrole,
    "client": check_client,
}
