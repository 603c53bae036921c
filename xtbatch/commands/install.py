"""``xtbatch install``: create what is missing, never touch xTuple's own objects."""

from __future__ import annotations

import argparse
from typing import Any

from xtbatch import db
from xtbatch.install import install, latest_version
from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "install",
        parents=[parent],
        help="create or upgrade xtbatch's objects in the database",
        description="Idempotent: creates the xtbatch schema where xTuple Connect is absent, "
        "xtbatch's bookkeeping schema, triggers and indexes; applies pending migrations.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with db.connect(settings, "install", autocommit=True) as conn:
        applied = install(conn)
    where = db.describe(settings)
    if applied:
        print(f"Installed into {where}: {', '.join(applied)}")
    else:
        print(f"{where} is up to date (schema version {latest_version()}).")
    return 0
