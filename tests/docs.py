"""The README and docs/ as tests: fenced blocks marked ```` ```console run ```` are run, and
the output they show is checked.

In a runnable block, a line starting with ``$ `` is a command (run with bash from the
repository root, ``xtbatch`` on the PATH); the lines after it, up to the next command, are
the output it must print, in order (other lines may come between them). ``…`` in an expected
line stands for any text. Other fences (```` ```sh ````, plain ```` ``` ````) are only read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)


@dataclass(frozen=True, kw_only=True)
class Fence:
    path: Path
    line: int
    info: str
    body: str

    @property
    def runnable(self) -> bool:
        return self.info.split()[:2] == ["console", "run"]

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def fences(paths: tuple[Path, ...] = DOCS) -> list[Fence]:
    found = []
    for path in paths:
        text = path.read_text()
        for match in FENCE.finditer(text):
            indent = len(match["indent"])
            body = "\n".join(line[indent:] for line in match["body"].splitlines())
            line = text.count("\n", 0, match.start()) + 1
            found.append(Fence(path=path, line=line, info=match["info"].strip(), body=body))
    return found


def steps(fence: Fence) -> list[Step]:
    """The commands of a runnable block, each with the output lines it shows."""
    result: list[Step] = []
    for line in fence.body.splitlines():
        if line.startswith("$ "):
            result.append(Step(command=line[2:]))
        elif line.strip():
            if not result:
                raise ValueError(f"{fence.where}: output before the first '$ ' command")
            result[-1].expected.append(line.rstrip())
    return result


def pattern(expected: str) -> re.Pattern[str]:
    """An expected line as a regex: literal, with … for any text, spaces runs flexible."""
    parts = [re.escape(p) for p in expected.strip().split("…")]
    return re.compile(".*".join(re.sub(r"(\\ )+", r"\\s+", p) for p in parts))


def unmatched(expected: list[str], output: str) -> list[str]:
    """Expected lines not found in ``output`` in order (empty when all are there)."""
    lines = [line.rstrip() for line in output.splitlines()]
    at = 0
    for i, want in enumerate(expected):
        regex = pattern(want)
        while at < len(lines) and not regex.fullmatch(lines[at].strip()):
            at += 1
        if at == len(lines):
            return expected[i:]
        at += 1
    return []
