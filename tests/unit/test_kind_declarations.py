"""Every job kind against its declaration (xtbatch/kinds.py): each declaration has a function
and a task, each function a declaration, the parameters a kind reads are exactly the ones it
declares, and the README's table of kinds is the one the declarations write.

What a kind reads is found in its source (tasks/kinds/), following the calls it makes into
the helpers there: ``params.typed("name", …)`` (and ``required``, ``flag``, ``get``),
``"name" in params``, ``params["name"]``, a helper given ``params, "name"``, and a helper's
default name for a ``params`` argument (``period_ids(params, name="period_id_list")``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import tasks.catalog  # registers the tasks
import tasks.kinds
from tasks.context import JobContext
from tasks.runner import KINDS, job_kind
from tests.docs import ROOT
from xtbatch.celeryapp import app
from xtbatch.kinds import POLICIES, markdown_table

FOLDER = Path(tasks.kinds.__file__).parent
READERS = {"typed", "required", "flag", "get"}


@dataclass
class Reads:
    names: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)


def _is_params(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "params") or (
        isinstance(node, ast.Attribute) and node.attr == "params"
    )


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(func: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(func, ast.Name):
        return aliases.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = aliases.get(func.value.id)
        return f"{owner}.{func.attr}" if owner else None
    return None


def _read_by(fn: ast.FunctionDef, aliases: dict[str, str]) -> Reads:
    reads = Reads()
    arguments = fn.args.posonlyargs + fn.args.args
    if any(a.arg == "params" for a in arguments):
        defaults = [*fn.args.defaults, *fn.args.kw_defaults]
        reads.names |= {text for d in defaults if (text := _text(d))}
    for node in ast.walk(fn):
        name = None
        if isinstance(node, ast.Call):
            func, args = node.func, node.args
            if isinstance(func, ast.Attribute) and func.attr in READERS and _is_params(func.value):
                name = _text(args[0]) if args else None
            else:
                at = next((i for i, a in enumerate(args) if _is_params(a)), None)
                name = _text(args[at + 1]) if at is not None and at + 1 < len(args) else None
            if (target := _callee(node.func, aliases)) is not None:
                reads.calls.add(target)
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            name = _text(node.left) if _is_params(node.comparators[0]) else None
        elif isinstance(node, ast.Subscript) and _is_params(node.value):
            name = _text(node.slice)
        if name:
            reads.names.add(name)
    return reads


def scan(module: str, source: str) -> dict[str, Reads]:
    """What each function and method of one module reads, by ``module.name`` /
    ``module.Class.name``, with the calls it makes into tasks/kinds/ resolved to those keys."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tasks.kinds"):
            prefix = (node.module or "").removeprefix("tasks.kinds").lstrip(".")
            for alias in node.names:
                qualified = f"{prefix}.{alias.name}" if prefix else alias.name
                aliases[alias.asname or alias.name] = qualified
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            aliases[node.name] = f"{module}.{node.name}"
    found: dict[str, Reads] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[f"{module}.{node.name}"] = _read_by(node, aliases)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[f"{module}.{node.name}.{item.name}"] = _read_by(item, aliases)
    return found


def read_by_kind(functions: dict[str, Reads], start: str) -> set[str]:
    """The parameter names read by ``start`` and every function it calls, transitively."""
    seen, todo, names = set(), [start], set()
    while todo:
        key = todo.pop()
        if key in seen or key not in functions:
            continue
        seen.add(key)
        names |= functions[key].names
        todo.extend(functions[key].calls)
    return names


FUNCTIONS = {
    key: reads
    for path in sorted(FOLDER.glob("*.py"))
    for key, reads in scan(path.stem, path.read_text()).items()
}


def test_every_declaration_has_a_function_and_a_task_and_no_other_kind_exists() -> None:
    tasks_ = {
        name.removeprefix("xtbatch.job.") for name in app.tasks if name.startswith("xtbatch.job.")
    }
    assert set(KINDS) == set(POLICIES) == tasks_


def test_every_kind_function_lives_in_tasks_kinds() -> None:
    for name, fn in KINDS.items():
        assert fn.__module__.startswith("tasks.kinds."), (name, fn.__module__)


@pytest.mark.parametrize("kind", sorted(POLICIES))
def test_the_kind_reads_exactly_the_parameters_it_declares(kind: str) -> None:
    fn = KINDS[kind]
    key = f"{fn.__module__.removeprefix('tasks.kinds.')}.{fn.__qualname__}"
    assert key in FUNCTIONS, key
    declared = {p.name for p in POLICIES[kind].params}
    read = read_by_kind(FUNCTIONS, key)
    assert read - declared == set(), f"{kind} reads parameters it does not declare"
    assert declared - read == set(), f"{kind} declares parameters it never reads"


def test_the_reader_finds_each_way_a_kind_reads_a_parameter() -> None:
    source = """
from tasks.kinds.selectors import date_from_offset, period_ids

def kind(ctx):
    a = ctx.params.typed("typed_one", int, "a number")
    if "tested" in ctx.params and ctx.params["indexed"]:
        pass
    helper(ctx)
    period_ids(ctx.params)
    return date_from_offset(ctx.params, "offset_one")

def helper(ctx):
    ctx.params.flag("flagged")
"""
    functions = {**FUNCTIONS, **scan("example", source)}
    assert read_by_kind(functions, "example.kind") == {
        "typed_one",
        "tested",
        "indexed",
        "flagged",
        "period_id_list",
        "offset_one",
    }


def test_binding_an_undeclared_kind_fails_at_import() -> None:
    with pytest.raises(LookupError, match=r"'NoSuchKind' is not declared.*xtbatch/kinds\.py"):
        job_kind("NoSuchKind")


def test_binding_a_second_function_to_a_kind_fails() -> None:
    def ping(ctx: JobContext) -> str | None:
        return None

    with pytest.raises(LookupError, match=r"'Ping' is bound twice: tasks\.kinds\.ping\.ping and"):
        job_kind("Ping")(ping)
    assert KINDS["Ping"].__module__ == "tasks.kinds.ping"


def test_the_readme_shows_the_table_the_declarations_write() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = re.search(
        r"<!-- kinds table: begin -->\n(.*?)\n<!-- kinds table: end -->", readme, re.S
    )
    assert shown is not None, "README.md lost its kinds table markers"
    assert shown[1] == markdown_table(), (
        "README.md's table of kinds differs from xtbatch/kinds.py: replace it with the output "
        "of python -c 'from xtbatch.kinds import markdown_table; print(markdown_table())'"
    )
