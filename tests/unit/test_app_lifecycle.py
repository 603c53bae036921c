"""The Celery app is built from settings by create_app(), never at import; it carries its
settings outside app.conf; the worker's tasks register on it through tasks/catalog.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from xtbatch.celeryapp import XtbatchApp, create_app
from xtbatch.kinds import POLICIES
from xtbatch.settings import load

DB_PASSWORD = "Db-app-s3cret-3317"
SMTP_PASSWORD = "Smtp-app-s3cret-2290"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_importing_the_app_module_and_every_process_package_builds_no_app() -> None:
    # An invalid setting in the environment: building an app from it would fail.
    done = run_python(
        """
        import gc
        import beat.service, bridge.main, tasks.catalog, tasks.command, xtbatch.celeryapp
        from xtbatch.celeryapp import XtbatchApp
        apps = [o for o in gc.get_objects() if type(o) is XtbatchApp]
        print(len(apps), "app" in vars(xtbatch.celeryapp))
        """,
        XTBATCH_DATABASE_URL="",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False"]


def test_the_app_carries_its_settings_and_app_conf_holds_no_password() -> None:
    settings = load(
        {
            "database_url": f"postgresql://erp:{DB_PASSWORD}@127.0.0.1:5432/erp",
            "smtp_url": f"smtp://ops:{SMTP_PASSWORD}@127.0.0.1:25",
            "queue": "xtbatch.app-test",
        }
    )
    app = create_app(settings)
    assert isinstance(app, XtbatchApp)
    assert app.settings is settings
    assert app.conf.task_default_queue == "xtbatch.app-test"
    conf = repr(dict(app.conf))
    assert DB_PASSWORD not in conf and SMTP_PASSWORD not in conf


def test_two_apps_keep_their_own_settings() -> None:
    first = create_app(load({"queue": "xtbatch.first"}))
    second = create_app(load({"queue": "xtbatch.second"}))
    assert first.settings.queue_name == "xtbatch.first"
    assert second.settings.queue_name == "xtbatch.second"
    assert first.conf.task_default_queue == "xtbatch.first"


def test_the_catalog_registers_every_kind_and_the_failure_callback_on_a_new_app() -> None:
    import tasks.catalog  # noqa: F401

    app = create_app(load({}))
    names = set(app.tasks)
    assert {p.task_name for p in POLICIES.values()} <= names
    assert "xtbatch.job_failed" in names


def test_celery_command_line_finds_an_app_built_from_the_environment() -> None:
    done = run_python(
        """
        from celery.app.utils import find_app
        app = find_app("xtbatch.celeryapp:app")
        assert find_app("xtbatch.celeryapp:app") is app
        print(type(app).__name__, app.settings.queue_name, app.conf.task_default_queue)
        """,
        XTBATCH_QUEUE="xtbatch.from-env",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["XtbatchApp", "xtbatch.from-env", "xtbatch.from-env"]


def test_the_worker_lifecycle_starts_each_process_resources_with_the_app_settings() -> None:
    done = run_python(
        """
        import os
        from celery.signals import worker_init, worker_process_init, worker_process_shutdown
        from tasks import resources, runner, worker
        from xtbatch.celeryapp import create_app
        from xtbatch.settings import load

        app = create_app(load({"queue": "xtbatch.lifecycle", "heartbeat_seconds": "7"}))
        worker.connect(app)
        try:
            resources.settings()
        except RuntimeError:
            print("unstarted")
        worker_init.send(sender=None)
        print(resources.settings().queue_name, resources.worker_name().endswith(f":{os.getpid()}"))
        worker_process_init.send(sender="node")
        print(resources.worker_name().endswith(f":{os.getppid()}"), runner.heartbeat().interval)
        worker_process_shutdown.send(sender="node", pid=os.getpid(), exitcode=0)
        runner.heartbeat().join(5)
        print(runner.heartbeat().is_alive())
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["unstarted", "xtbatch.lifecycle", "True", "True", "7.0", "False"]
