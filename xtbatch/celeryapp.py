"""The one place that builds the Celery app and reads its settings.

Why these settings (see docs in the README, "Brokers"):
- acks_late + prefetch 1 + concurrency 1: a message is acknowledged only after its job
  ended, and the worker holds at most the message it is running. While a job runs, the
  bridge keeps the next one on the queue (one ahead), which the broker hands over the moment
  the running one is acknowledged; the worker's claim refuses it if its turn has passed.
- task_reject_on_worker_lost stays off: a job whose worker child died is not redelivered in a
  loop; the failure callback records it as interrupted and the bridge decides (rerun or not).
- visibility_timeout (Redis) above the longest time limit: an unacknowledged message is never
  redelivered while its job still runs. A redelivery that happens anyway is harmless: the
  worker's claim in the database lets only the current dispatch of an unstarted job run.
- Results are not stored: the outcome lives in the ERP row; the worker's events feed Flower.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from xtbatch import settings as settings_module
from xtbatch.settings import Settings


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery configuration for these settings."""
    transport: dict[str, Any] = {}
    if settings.broker_url.startswith(("redis", "rediss")):
        # As configured, even when too short (the worker warns at start; a redelivered copy
        # is refused by the claim, so too short costs a log line, never a second run).
        transport["visibility_timeout"] = settings.visibility_timeout
    return {
        "broker_url": settings.broker_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "broker_heartbeat": 60,
        "result_backend": None,
        "task_ignore_result": True,
        "task_store_errors_even_if_ignored": False,
        "task_default_queue": settings.queue_name,
        "task_create_missing_queues": True,
        "task_acks_late": True,
        "task_acks_on_failure_or_timeout": True,
        "task_reject_on_worker_lost": False,
        "task_serializer": "json",
        "accept_content": ["json"],
        # The worker's task events feed Flower; they cost ~a fifth of the worker main
        # process's time and ~1 ms of latency per job (bench/), so they are on only where
        # Flower watches (XTBATCH_TASK_EVENTS=on): Flower's enable_events did not switch them
        # on in a running worker in our tests. The bridge's task-sent event adds nothing.
        "task_send_sent_event": False,
        "worker_send_task_events": settings.task_events,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": 1,
        "worker_pool": "prefork",
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_enable_remote_control": True,
        "enable_utc": True,
        "timezone": "UTC",
    }


class XtbatchApp(Celery):
    """A Celery app that carries the settings it was built from.

    The settings are an attribute, not part of ``app.conf``: a worker's ``conf`` reply
    (Flower's worker page) shows all of app.conf, and the settings hold passwords. The
    worker's pool children are forked from the process that built the app, so they have
    the same settings without reading the environment again.
    """

    settings: Settings


def create_app(settings: Settings) -> XtbatchApp:
    """A Celery app configured for one ERP database; it registers no task.

    The worker registers the job kinds and callbacks on it (tasks/catalog.py); the bridge
    and beat only send by task name.
    """
    app = XtbatchApp("xtbatch", set_as_current=False)
    app.conf.update(celery_config(settings))
    app.settings = settings
    return app


app: XtbatchApp  # for Celery's command line only: built on first use by __getattr__ below


def __getattr__(name: str) -> XtbatchApp:
    """``xtbatch.celeryapp:app`` for Celery's own command line (Flower, ``celery inspect``):
    an app built from the environment on first use, never at import."""
    global app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = create_app(settings_module.load())
    return app
