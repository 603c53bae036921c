"""The sample ERP schema the demo installs (xTuple's system messages and metrics).

compose.yaml mounts ``xtuple_messages.sql`` into its sample database, and the tests install it
where they stand in for an xTuple database.
"""

from __future__ import annotations

from importlib import resources


def sample_sql(name: str) -> str:
    """A script of the sample ERP schema (xTuple's messages and metrics) the demo installs."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
