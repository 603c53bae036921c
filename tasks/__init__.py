"""The Celery app's job kinds, one module each, and the result callbacks.

Importing this package registers every task on :data:`xtbatch.celeryapp.app`.
"""

from tasks import callbacks, email, ping, unknown, worker

__all__ = ["callbacks", "email", "ping", "unknown", "worker"]
