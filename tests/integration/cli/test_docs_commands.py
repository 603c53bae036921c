"""Every ```console run block of README.md and docs/ runs here and prints what it shows
(issue 13): each block on a new database of its own, ``xtbatch`` on the PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.docs import Fence, fences, steps, unmatched
from tests.integration.cli.conftest import cli_env, run_command

RUNNABLE = [f for f in fences() if f.runnable]


@pytest.mark.parametrize("fence", RUNNABLE, ids=[f.where for f in RUNNABLE])
def test_documented_commands_print_what_the_docs_show(fence: Fence, bare_db: str) -> None:
    env = {**cli_env(bare_db), "PATH": _path()}
    for step in steps(fence):
        result = run_command(["bash", "-c", step.command], env)
        shown = result.stdout + result.stderr
        assert result.returncode == 0, f"{fence.where}: $ {step.command}\n{shown}"
        missing = unmatched(step.expected, result.stdout)
        assert missing == [], f"{fence.where}: $ {step.command}\nnot printed: {missing}\n{shown}"


def _path() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
