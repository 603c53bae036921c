"""xtbatch: the shared core (settings, database, SQL, errors, logging, Celery app, CLI)."""

__version__ = "0.1.0"
