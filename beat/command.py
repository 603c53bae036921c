"""``xtbatch beat``: nightly maintenance and purge, submitted as ordinary batch jobs."""

from __future__ import annotations

import argparse
from typing import Any

from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "beat",
        parents=[parent],
        help="submit nightly ServerMaintenance and purge old job history",
        description="Celery beat for one database. Submits ServerMaintenance at "
        "XTBATCH_MAINTENANCE_AT and purges completed jobs older than the metric "
        "BatchManagerPurgeDays at XTBATCH_PURGE_AT (local times, HH:MM or 'off'). A second "
        "beat on the same database is harmless: each slot is submitted once.",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="run what is due now (a slot missed by less than 2 hours) and exit",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from beat.schedule import load_plan
    from beat.service import Beat, serve
    from xtbatch import db

    plan = load_plan(settings)
    with db.connect(settings, "beat-check") as conn:
        db.require_schema(conn, settings)
    if args.once:
        ran = Beat(settings, plan).run_due()
        print(f"Ran: {', '.join(ran)}." if ran else "Nothing was due.")
        return 0
    from xtbatch.celeryapp import create_app

    serve(settings, create_app(settings), plan)
    return 0
