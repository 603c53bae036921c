"""The README documents every setting and every command."""

from __future__ import annotations

import re
from pathlib import Path

from xtbatch.cli.main import build_parser
from xtbatch.settings import VARIABLES

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_variable_is_in_the_readme_configuration_table() -> None:
    documented = set(re.findall(r"^\| `(XTBATCH_\w+)` \|", README, re.MULTILINE))
    assert {v.env for v in VARIABLES} <= documented


def test_every_command_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"xtbatch {name}" in README, name


def test_settings_survive_a_round_trip_through_the_environment() -> None:
    from xtbatch.settings import load

    settings = load({"task_events": "off", "metrics_port": "9464"})
    again = load(settings.as_strings())
    assert again == settings
