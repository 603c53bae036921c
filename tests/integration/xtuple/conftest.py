"""The drop-in tests run on stand-ins for xTuple databases (tests/xtuple_db.py)."""

from tests.xtuple_db import *  # noqa: F403
