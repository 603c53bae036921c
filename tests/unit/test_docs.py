"""The README and docs/ say what the code does (issue 13): sample outputs shown as literal
output match the code, and every runnable block is well formed (tests/docs.py runs them)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest

from tests.docs import DOCS, ROOT, fences, steps, unmatched
from xtbatch.settings import VARIABLES
from xtbatch.sql import migrations

TEXTS = {path.relative_to(ROOT).as_posix(): path.read_text() for path in DOCS}
LATEST = migrations()[-1]


def test_runnable_blocks_are_marked_and_well_formed() -> None:
    runnable = [f for f in fences() if f.runnable]
    assert runnable, "no ```console run block in README.md or docs/"
    for fence in runnable:
        assert all(step.command.strip() for step in steps(fence)), fence.where


def test_expected_output_matches_with_ellipsis_for_what_varies() -> None:
    output = "Installed into database 'erp' on db:5432: 0001_a, 0002_b\nnext line\n"
    assert unmatched(["Installed into database '…' on …: 0001_a, …"], output) == []
    assert unmatched(["next line", "Installed …"], output) == ["Installed …"]


def test_schema_version_shown_is_the_latest_migration() -> None:
    for name, text in TEXTS.items():
        for shown in re.findall(r"version (\d+) \(current\)|schema version (\d+)\)", text):
            number = int(next(n for n in shown if n))
            assert number == LATEST.version, (name, shown)
        for last in re.findall(r"0001_batch_tables, …, (\d{4}_\w+)", text):
            assert last == f"{LATEST.version:04d}_{LATEST.name}", (name, last)


def test_doctor_samples_count_their_checks() -> None:
    for fence in fences():
        summary = re.search(r"All (\d+) checks passed\.", fence.body)
        if summary:
            lines = re.findall(r"^(?:OK|WARN|SKIP)\s", fence.body, re.M)
            assert int(summary[1]) == len(lines), fence.where


def test_the_register_step_names_the_module_the_worker_imports() -> None:
    step = re.search(r"\*\*Register\*\*:(.*?)\n\d+\. ", TEXTS["README.md"], re.S)
    assert step is not None
    named = re.findall(r"`(tasks/\w+\.py)`", step[1])
    assert named == ["tasks/catalog.py"], named
    assert "ping," in (ROOT / named[0]).read_text()


def test_docs_do_not_call_a_setting_on_by_default_when_it_is_off() -> None:
    events = next(v for v in VARIABLES if v.env == "XTBATCH_TASK_EVENTS")
    assert events.default == "off"
    for name, text in TEXTS.items():
        sentences = re.split(r"(?<=[.;:])\s", re.sub(r"\s+", " ", text))
        for sentence in sentences:
            if "task events" in sentence and re.search(r"\bon by default\b", sentence):
                pytest.fail(f"{name}: {sentence!r}")


def test_reliability_names_the_redis_that_runs_here() -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server here to compare with")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    major_minor = re.search(r"v=(\d+\.\d+)", version.stdout)
    assert major_minor is not None, version.stdout
    assert f"Redis {major_minor[1]}" in TEXTS["docs/reliability.md"]


def test_the_package_declares_an_spdx_license_and_ships_the_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert project["project"]["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    # PEP 639 license expressions need setuptools 77; older ones warn on a table
    assert project["build-system"]["requires"] == ["setuptools>=77"]
