"""``xtbatch install``: create what is missing, never touch xTuple's own objects."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from xtbatch import db
from xtbatch.install import Installed, install, latest_version
from xtbatch.settings import Settings, database_hint
from xtbatch.xtuple import ENABLE_METRIC, ENABLE_PACKAGE, MetricState, PackageState


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "install",
        parents=[parent],
        help="create or upgrade xtbatch's objects in the database",
        description="Idempotent: creates the xtbatch schema where xTuple Connect is absent, "
        "xtbatch's bookkeeping schema, triggers and indexes; applies pending migrations; on "
        "an xTuple database registers xtbatch as a package (xTuple's createPkgSchema) and "
        "grants xtrole what the desktop client needs. It does not switch on the metric "
        "EnableBatchManager: it says whether it is on and how to switch it on.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with db.connect(settings, "install", autocommit=True) as conn:
        done = install(conn)
    where = db.describe(settings)
    if done.applied:
        print(f"Installed into {where}: {', '.join(done.applied)}")
    else:
        print(f"{where} is up to date (schema version {latest_version()}).")
    for line in report(done):
        print(line)
    if hint := database_hint(settings):
        print(f"Note: {where} was used.{hint}", file=sys.stderr)
    return 0


_PACKAGE = {
    PackageState.NO_XTUPLE: "not an xTuple database (no createPkgSchema/pkghead): "
    "no package to register",
    PackageState.REGISTERED: "registered xtbatch with xTuple's createPkgSchema(); it is enabled, "
    "so login(true) puts xtbatch on every client's search_path",
    PackageState.ENABLED: "xtbatch is a registered, enabled package",
    PackageState.DISABLED: "xtbatch is registered but disabled, left as it is; the client's "
    f"unqualified calls fail until it is enabled: run {ENABLE_PACKAGE}",
    PackageState.UNREGISTERED: "xtbatch is not registered",
}


def report(done: Installed) -> list[str]:
    """What install found and did on xTuple's side, one line each."""
    lines = [f"xTuple package: {_PACKAGE[done.package]}"]
    if done.granted is None:
        lines.append("xtrole: no such role (not an xTuple database): nothing granted")
    elif done.granted:
        lines.append(f"xtrole: has what the client needs on {', '.join(done.granted)}")
    else:
        lines.append("xtrole: the xtbatch objects are xTuple Connect's: no grant changed")
    if done.metric is MetricState.ON:
        lines.append("EnableBatchManager: on (the client shows its batch features)")
    elif done.metric is MetricState.OFF:
        lines.append(
            "EnableBatchManager: off, left as it is (the client hides its batch features "
            f"until it is on); to switch it on run: {ENABLE_METRIC}"
        )
    return lines
