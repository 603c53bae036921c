"""xTuple's MetaSQL: SQL with ``<? ... ?>`` tags, rendered to SQL with bound parameters.

The language follows xTuple's reference implementation (``MetaSQL/metasql.cpp`` in OpenRPT):

- ``value("name")`` binds the parameter's value: the SQL gets a psycopg placeholder
  (``%(p1)s``) and the value goes to the returned parameters, never into the SQL text. Inside
  ``foreach("name")`` it yields the current item of the list; outside, the first item.
- ``literal("name")`` pastes the parameter's text into the SQL: xTuple uses it for column names
  and sort orders. Pasted text cannot be bound, so xtbatch accepts only an identifier (optionally
  dotted), a number or a boolean there and raises :class:`MetaSQLLiteralUnsafe` otherwise.
- ``if`` / ``elseif`` / ``else`` / ``endif`` with ``exists``, ``reExists`` (a regular expression
  searched in the parameter names), ``isfirst``, ``islast``, ``value`` or ``literal`` (true when
  the value is true), each optionally preceded by ``not``.
- ``foreach("list")`` / ``endforeach`` over a list parameter, with ``break`` and ``continue``
  (optionally ``break(2)`` to leave two loops, as in xTuple).

As in xTuple, tags inside quoted strings are left alone and SQL comments are dropped. Literal
``%`` in the SQL text is doubled for psycopg. xtbatch is stricter than xTuple where xTuple
silently produced wrong SQL: an unknown tag, an unclosed block or ``break`` outside ``foreach``
is a :class:`MetaSQLSyntaxError` with line and column, and ``value()`` of a parameter the job
does not give raises :class:`ReportParameterMissing` instead of binding NULL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from xtbatch.report.errors import MetaSQLLiteralUnsafe, ReportParameterMissing
from xtbatch.report.metasql_syntax import (
    Call,
    ForEach,
    If,
    Node,
    Template,
    Text,
    parse,
    position,
)

__all__ = ["Template", "parse", "position", "render", "render_template"]

_SAFE_LITERAL = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*|-?\d+(\.\d+)?")


class _LoopExit(Exception):
    """break/continue unwinding to the enclosing foreach loops."""

    def __init__(self, levels: int, is_continue: bool) -> None:
        super().__init__()
        self.levels = levels
        self.is_continue = is_continue


@dataclass(kw_only=True)
class _Context:
    template: Template
    params: Mapping[str, object]
    positions: dict[str, int] = field(default_factory=dict)
    bound: dict[str, object] = field(default_factory=dict)

    def item(self, name: str, offset: int, *, required: bool = True) -> object:
        if name not in self.params:
            if not required:
                return None
            line, column = position(self.template.source, offset)
            raise ReportParameterMissing(
                f"Parameter '{name}' is missing: the query uses it at line {line}, "
                f"column {column}; add it to the job's parameters"
            )
        value = self.params[name]
        if isinstance(value, list | tuple):
            pos = self.positions.get(name, 0)
            return value[pos] if pos < len(value) else None
        return value

    def count(self, name: str) -> int:
        value = self.params.get(name)
        return len(value) if isinstance(value, list | tuple) else 0


def render(text: str, params: Mapping[str, object]) -> tuple[str, dict[str, object]]:
    """Render MetaSQL ``text`` with ``params`` to SQL with psycopg placeholders and their values.

    Raises:
        MetaSQLSyntaxError: the text is not valid MetaSQL.
        ReportParameterMissing: ``value()`` or ``literal()`` names a parameter not given.
        MetaSQLLiteralUnsafe: a ``literal()`` value is not an identifier, number or boolean.
    """
    return render_template(parse(text), params)


def render_template(
    template: Template, params: Mapping[str, object]
) -> tuple[str, dict[str, object]]:
    """Render a parsed template; see :func:`render`."""
    context = _Context(template=template, params=params)
    out: list[str] = []
    _render_nodes(template.nodes, context, out)
    return "".join(out).strip(), context.bound


def _render_nodes(nodes: tuple[Node, ...], context: _Context, out: list[str]) -> None:
    # One shared output list: text rendered before a break stays, as in xTuple.
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text.replace("%", "%%"))
        elif isinstance(node, Call):
            out.append(_render_call(node, context))
        elif isinstance(node, If):
            _render_if(node, context, out)
        else:
            _render_foreach(node, context, out)


def _render_call(call: Call, context: _Context) -> str:
    if call.func in ("break", "continue"):
        levels = int(call.args[0]) if call.args and call.args[0] else 1
        raise _LoopExit(max(levels, 1), call.func == "continue")
    if call.func == "value":
        placeholder = f"p{len(context.bound) + 1}"
        context.bound[placeholder] = context.item(call.args[0], call.offset)
        return f"%({placeholder})s"
    if call.func == "literal":
        return _literal(call, context)
    # exists(), isfirst() … as output print true/false, as in xTuple.
    return "true" if _condition(call, context) else "false"


def _literal(call: Call, context: _Context) -> str:
    value = context.item(call.args[0], call.offset)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    text = "" if value is None else str(value)
    if not _SAFE_LITERAL.fullmatch(text):
        line, column = position(context.template.source, call.offset)
        raise MetaSQLLiteralUnsafe(
            f"Parameter '{call.args[0]}' is used with literal() at line {line}, column {column} "
            f"and its value {text[:40]!r} is not a plain name or number; literal() pastes the "
            "value into the SQL, so only identifiers, numbers and booleans are accepted"
        )
    return text


def _condition(call: Call, context: _Context) -> bool:
    name = call.args[0]
    if call.func == "exists":
        return name in context.params
    if call.func == "reexists":
        pattern = re.compile(name)
        return any(pattern.search(key) for key in context.params)
    if call.func == "isfirst":
        return context.positions.get(name, 0) == 0
    if call.func == "islast":
        return context.positions.get(name, 0) == context.count(name) - 1
    value = context.item(name, call.offset, required=False)
    return value is True or str(value).lower() == "true"


def _render_if(node: If, context: _Context, out: list[str]) -> None:
    for branch in node.branches:
        if branch.condition is None or _condition(branch.condition, context) != branch.negate:
            _render_nodes(branch.body, context, out)
            return


def _render_foreach(node: ForEach, context: _Context, out: list[str]) -> None:
    saved = context.positions.get(node.name, 0)
    try:
        for index in range(context.count(node.name)):
            context.positions[node.name] = index
            try:
                _render_nodes(node.body, context, out)
            except _LoopExit as exit_:
                if exit_.levels > 1:
                    raise _LoopExit(exit_.levels - 1, exit_.is_continue) from exit_
                if not exit_.is_continue:
                    break
    finally:
        context.positions[node.name] = saved
