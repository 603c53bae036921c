"""The ``xtbatch`` console script: one subcommand per task, each with --help.

Core commands live in ``xtbatch/cli/commands``; the process commands (bridge, worker, beat)
register themselves through the ``xtbatch.cli.commands`` entry point group, so the core
never imports the components it starts.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from xtbatch import logs
from xtbatch import settings as settings_module
from xtbatch.errors import XtbatchError
from xtbatch.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]

CORE_COMMANDS = (
    "xtbatch.cli.commands.doctor",
    "xtbatch.cli.commands.install",
    "xtbatch.cli.commands.jobs",
    "xtbatch.cli.commands.status",
    "xtbatch.cli.commands.demo",
)

# Flags shared by every command: they override the XTBATCH_* environment.
COMMON = (
    ("--database-url", "database_url", "ERP database URL (XTBATCH_DATABASE_URL)"),
    ("--broker-url", "broker_url", "Celery broker URL (XTBATCH_BROKER_URL)"),
    ("--smtp-url", "smtp_url", "SMTP server URL (XTBATCH_SMTP_URL)"),
    ("--queue", "queue", "Celery queue name (XTBATCH_QUEUE)"),
    ("--log-format", "log_format", "text, json or auto (XTBATCH_LOG_FORMAT)"),
    ("--log-level", "log_level", "DEBUG, INFO, WARNING, ERROR (XTBATCH_LOG_LEVEL)"),
)


def common_parser() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection and logging")
    for flag, dest, help_text in COMMON:
        group.add_argument(flag, dest=dest, default=None, help=help_text)
    group.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xtbatch",
        description="Headless, always-on batch manager for xTuple ERP, built on Celery.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parent = common_parser()
    for module_name in CORE_COMMANDS:
        importlib.import_module(module_name).register(sub, parent)
    for entry in sorted(entry_points(group="xtbatch.cli.commands"), key=lambda e: e.name):
        entry.load()(sub, parent)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment with the command line's flags on top."""
    overrides = {dest: getattr(args, dest, None) for _, dest, _ in COMMON}
    return settings_module.load(overrides, flags={dest: flag for flag, dest, _ in COMMON})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
        logs.configure(settings.log_format, settings.log_level)
        handler: Handler = args.handler
        return handler(args, settings)
    except XtbatchError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()  # the traceback, and still the exit code of a user error
        print(f"xtbatch {args.command}: {logs.redact(exc.message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
