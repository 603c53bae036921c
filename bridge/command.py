"""``xtbatch bridge``: serve one database (leader or hot standby)."""

from __future__ import annotations

import argparse
from typing import Any

from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "bridge",
        parents=[parent],
        help="dispatch due jobs of one database to its queue",
        description="Finds due jobs (LISTEN/NOTIFY plus a timer), dispatches them one at a time "
        "in scheduled order, and recovers jobs a dead worker left. A second bridge on the "
        "same database stands by and takes over when the first stops.",
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus /metrics on this port (XTBATCH_METRICS_PORT)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bridge.main import run as run_bridge
    from xtbatch.celeryapp import create_app

    if args.metrics_port is not None:
        settings = settings.replace(metrics_port=args.metrics_port)
    run_bridge(settings, create_app(settings))
    return 0
