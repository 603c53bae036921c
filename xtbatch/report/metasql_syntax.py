"""MetaSQL syntax: the ``<? ... ?>`` tags of a statement parsed into a tree.

Scanning follows xTuple's ``MetaSQL/metasql.cpp``: quoted strings and identifiers are skipped
(tags inside them stay text), ``--`` and ``/* */`` comments become a space, tag names are
case-insensitive and arguments may be quoted with either quote, with backslash escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xtbatch.report.errors import MetaSQLSyntaxError

_WORD = re.compile(r"[A-Za-z0-9_]*")
_NOT = re.compile(r"not\s+", re.IGNORECASE)
_CONDITIONS = frozenset({"exists", "reexists", "isfirst", "islast", "value", "literal"})
_FUNCTIONS = _CONDITIONS | {"break", "continue"}


@dataclass(frozen=True, kw_only=True)
class Text:
    """SQL text copied to the output."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Call:
    """A function tag such as ``value("x")``; ``offset`` is where its tag starts."""

    func: str
    args: tuple[str, ...]
    offset: int


@dataclass(frozen=True, kw_only=True)
class Branch:
    """One arm of an if: ``condition`` is None for ``else``."""

    condition: Call | None
    negate: bool
    body: tuple[Node, ...]


@dataclass(frozen=True, kw_only=True)
class If:
    branches: tuple[Branch, ...]


@dataclass(frozen=True, kw_only=True)
class ForEach:
    name: str
    body: tuple[Node, ...]


Node = Text | Call | If | ForEach


@dataclass(frozen=True, kw_only=True)
class Template:
    """A parsed MetaSQL statement."""

    source: str
    nodes: tuple[Node, ...]


def position(source: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``offset`` in ``source``."""
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def syntax_error(source: str, offset: int, what: str) -> MetaSQLSyntaxError:
    line, column = position(source, offset)
    return MetaSQLSyntaxError(
        f"MetaSQL syntax error at line {line}, column {column}: {what}", line=line, column=column
    )


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(kw_only=True)
class _Frame:
    kind: str  # "root", "if" or "foreach"
    offset: int
    name: str = ""
    # Branches of an if: (condition, negate, body); the last one is being filled.
    branches: list[tuple[Call | None, bool, list[Node]]] = field(default_factory=list)
    body: list[Node] = field(default_factory=list)

    def current(self) -> list[Node]:
        return self.branches[-1][2] if self.kind == "if" else self.body


def parse(source: str) -> Template:
    """Parse MetaSQL text into a :class:`Template`.

    Raises:
        MetaSQLSyntaxError: a tag is malformed, unknown, unclosed or out of place.
    """
    stack = [_Frame(kind="root", offset=0)]
    pos = 0
    text_start = 0
    while True:
        pos = _next_special(source, pos)
        if pos < 0:
            break
        char = source[pos]
        if char in "'\"":
            pos = _skip_quoted(source, pos)
            continue
        _append_text(stack, source[text_start:pos])
        if source.startswith("--", pos):
            end = source.find("\n", pos)
            pos = len(source) if end < 0 else end
            stack[-1].current().append(Text(text=" "))
        elif source.startswith("/*", pos):
            pos = _skip_block_comment(source, pos)
            stack[-1].current().append(Text(text=" "))
        else:
            end = source.find("?>", pos + 2)
            if end < 0:
                raise syntax_error(source, pos, "'<?' without a closing '?>'")
            _parse_tag(source, pos, source[pos + 2 : end], stack)
            pos = end + 2
        text_start = pos
    _append_text(stack, source[text_start:])
    if len(stack) > 1:
        frame = stack[-1]
        closer = "endif" if frame.kind == "if" else "endforeach"
        raise syntax_error(source, frame.offset, f"{frame.kind} is never closed with {closer}")
    return Template(source=source, nodes=tuple(stack[0].body))


_SPECIAL = re.compile(r"['\"]|--|/\*|<\?")


def _next_special(source: str, pos: int) -> int:
    match = _SPECIAL.search(source, pos)
    return match.start() if match else -1


def _skip_quoted(source: str, pos: int) -> int:
    """Return the offset after the string or quoted identifier starting at ``pos``."""
    quote = source[pos]
    i = pos + 1
    while i < len(source):
        # A backslash escapes the next character, as xTuple's parser assumes.
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        i += 1
    return len(source)


def _skip_block_comment(source: str, pos: int) -> int:
    depth = 0
    i = pos
    while i < len(source):
        if source.startswith("/*", i):
            depth += 1
            i += 2
        elif source.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(source)


def _append_text(stack: list[_Frame], text: str) -> None:
    if text:
        stack[-1].current().append(Text(text=text))


def _parse_tag(source: str, offset: int, tag: str, stack: list[_Frame]) -> None:
    body = tag.strip()
    cmd = _WORD.match(body)
    name = cmd.group(0).lower() if cmd else ""
    options = body[len(name) :].strip()
    frame = stack[-1]
    if name in ("endif", "endforeach"):
        expected = "if" if name == "endif" else "foreach"
        if frame.kind != expected:
            raise syntax_error(source, offset, f"{name} without a matching {expected}")
        stack.pop()
        node: Node = _close(frame)
        stack[-1].current().append(node)
    elif name in ("if", "elseif"):
        negate, condition = _parse_condition(source, offset, options)
        if name == "if":
            new = _Frame(kind="if", offset=offset)
            new.branches.append((condition, negate, []))
            stack.append(new)
        else:
            _check_in_if(source, offset, frame, name)
            frame.branches.append((condition, negate, []))
    elif name == "else":
        _check_in_if(source, offset, frame, name)
        frame.branches.append((None, False, []))
    elif name == "foreach":
        args = _parse_args(source, offset, options)
        if not args or not args[0]:
            raise syntax_error(source, offset, 'foreach needs a list name: foreach("name")')
        stack.append(_Frame(kind="foreach", offset=offset, name=args[0]))
    elif name in _FUNCTIONS:
        call = _make_call(source, offset, name, _parse_args(source, offset, options))
        if name in ("break", "continue") and not any(f.kind == "foreach" for f in stack):
            raise syntax_error(source, offset, f"{name} outside foreach")
        frame.current().append(call)
    else:
        raise syntax_error(source, offset, f"unknown tag '{body[:40]}'")


def _close(frame: _Frame) -> Node:
    if frame.kind == "foreach":
        return ForEach(name=frame.name, body=tuple(frame.body))
    branches = tuple(
        Branch(condition=c, negate=n, body=tuple(body)) for c, n, body in frame.branches
    )
    return If(branches=branches)


def _check_in_if(source: str, offset: int, frame: _Frame, name: str) -> None:
    if frame.kind != "if":
        raise syntax_error(source, offset, f"{name} outside if")
    if frame.branches[-1][0] is None:
        raise syntax_error(source, offset, f"{name} after else")


def _parse_condition(source: str, offset: int, options: str) -> tuple[bool, Call]:
    negate = False
    match = _NOT.match(options)
    if match:
        negate = True
        options = options[match.end() :]
    cmd = _WORD.match(options)
    name = cmd.group(0).lower() if cmd else ""
    if name not in _CONDITIONS:
        raise syntax_error(source, offset, f"if needs one of {', '.join(sorted(_CONDITIONS))}")
    args = _parse_args(source, offset, options[len(name) :].strip())
    return negate, _make_call(source, offset, name, args)


def _make_call(source: str, offset: int, name: str, args: list[str]) -> Call:
    if name not in ("break", "continue") and not (args and args[0]):
        raise syntax_error(source, offset, f'{name} needs a parameter name: {name}("name")')
    if name == "reexists":
        try:
            re.compile(args[0])
        except re.error as exc:
            raise syntax_error(source, offset, f"reExists pattern is not valid: {exc}") from exc
    if name in ("break", "continue") and args and not args[0].isdigit():
        raise syntax_error(source, offset, f"{name} takes a number of loops, not '{args[0]}'")
    return Call(func=name, args=tuple(args), offset=offset)


def _parse_args(source: str, offset: int, options: str) -> list[str]:
    """Split ``("a", 'b', c)`` into its arguments, as xTuple's parser does."""
    if not options:
        return []
    if not options.startswith("("):
        raise syntax_error(source, offset, f"expected '(' before '{options[:20]}'")
    args: list[str] = []
    current: list[str] = []
    quote = ""
    i = 1
    while i < len(options):
        char = options[i]
        if quote:
            if char == "\\" and i + 1 < len(options):
                i += 1
                current.append(options[i])
            elif char == quote:
                quote = ""
            else:
                current.append(char)
        elif char in "'\"":
            quote = char
        elif char == ",":
            args.append("".join(current))
            current = []
        elif char == ")":
            args.append("".join(current))
            return args
        elif not char.isspace():
            current.append(char)
        i += 1
    raise syntax_error(source, offset, "unterminated argument list: missing ')' or quote")
