"""pytest runs strict: an unregistered marker is an error, and an xfail test that passes
fails the run (issue 14)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
# Markers pytest and its plugins register themselves.
BUILTIN = {"parametrize", "skip", "skipif", "xfail", "usefixtures", "filterwarnings", "timeout"}


def test_markers_and_xfail_are_strict() -> None:
    assert "--strict-markers" in OPTIONS["addopts"].split()
    assert OPTIONS["xfail_strict"] is True


def test_every_marker_used_is_registered() -> None:
    registered = {line.split(":")[0].strip() for line in OPTIONS["markers"]}
    used = {
        name
        for path in (ROOT / "tests").rglob("*.py")
        for name in re.findall(r"pytest\.mark\.(\w+)", path.read_text(encoding="utf-8"))
    }
    assert used - BUILTIN <= registered
