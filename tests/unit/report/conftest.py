"""Fixtures for report tests that need no database."""

from __future__ import annotations

import pytest

from tests.unit.report.report_helpers import fixture_text
from xtbatch.report.definition import ReportDefinition, parse_definition


@pytest.fixture(scope="session")
def everything() -> ReportDefinition:
    return parse_definition(fixture_text("everything.xml"))
