"""Every kind in the policy table has a registered task, and the callbacks exist."""

from __future__ import annotations

from pathlib import Path

import tasks.catalog  # registers the tasks
from xtbatch.celeryapp import app
from xtbatch.kinds import POLICIES
from xtbatch.parameters import Param


def test_every_kind_and_callback_is_a_registered_task() -> None:
    names = set(app.tasks)
    assert {p.task_name for p in POLICIES.values()} <= names
    assert "xtbatch.job_failed" in names


def test_every_registered_kind_declares_its_parameters() -> None:
    prefix = "xtbatch.job."
    kinds = {name.removeprefix(prefix) for name in app.tasks if name.startswith(prefix)}
    assert kinds == set(POLICIES)
    for kind in kinds:
        declared = POLICIES[kind].params
        assert isinstance(declared, tuple) and all(isinstance(p, Param) for p in declared), kind
        names = [p.name for p in declared]
        assert len(names) == len(set(names)), f"{kind} declares a parameter twice"


def test_every_declared_parameter_is_read_by_some_job_kind() -> None:
    folder = Path(tasks.catalog.__file__).parent / "kinds"
    source = "\n".join(path.read_text() for path in folder.glob("*.py"))
    for policy in POLICIES.values():
        for param in policy.params:
            assert f'"{param.name}"' in source, f"{policy.name}: nothing reads {param.name}"
