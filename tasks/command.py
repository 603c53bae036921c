"""``xtbatch worker``: the Celery worker for one database's queue, one job at a time."""

from __future__ import annotations

import argparse
import logging
import socket
from typing import Any

from xtbatch.kinds import longest_time_limit
from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "worker",
        parents=[parent],
        help="run the Celery worker for this database's queue",
        description="Prefork pool at concurrency 1, prefetch 1, late acknowledgement, per-kind "
        "time limits. The first SIGTERM lets the current job finish; a second stops at once.",
    )
    p.add_argument(
        "--hostname",
        default=None,
        help="Celery node name (default: xtbatch.QUEUE@HOST, QUEUE being this database's "
        "queue, XTBATCH_QUEUE)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import tasks.catalog  # noqa: F401  (registers every job kind and callback)
    from tasks import worker
    from xtbatch import db
    from xtbatch.celeryapp import create_app

    with db.connect(settings, "worker-check") as conn:
        db.require_schema(conn, settings)
    app = create_app(settings)  # the pool children are forked: they share its settings
    worker.connect(app)

    if settings.broker_url.startswith("redis") and (
        settings.visibility_timeout <= longest_time_limit()
    ):
        logging.getLogger(__name__).warning(
            "XTBATCH_VISIBILITY_TIMEOUT (%d s) is not above the longest job time limit (%d s): "
            "Redis will deliver a long job's message again while it runs (the copy is refused, "
            "the job still runs once)",
            settings.visibility_timeout,
            longest_time_limit(),
            extra={"action": "worker.visibility_timeout"},
        )
    node = args.hostname or f"xtbatch.{settings.queue_name}@{socket.gethostname()}"
    app.worker_main(
        [
            "worker",
            "--queues",
            settings.queue_name,
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--prefetch-multiplier",
            "1",
            "--hostname",
            node,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            settings.log_level.upper(),
        ]
    )
    return 0
