"""Errors xtbatch raises.

Every error derives from :class:`XtbatchError`. The docstring of each class is its default
message; the message is what an ERP administrator reads in the job's Exit Status or on the
terminal, so it says what failed and, where it can, what to do.
"""

from __future__ import annotations


class XtbatchError(Exception):
    """xtbatch failed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigurationError(XtbatchError):
    """The configuration is not valid."""


class DatabaseUnavailable(XtbatchError):
    """The ERP database cannot be reached."""


class BrokerUnavailable(XtbatchError):
    """The message broker cannot be reached."""


class SchemaMissing(XtbatchError):
    """xtbatch is not installed in this database: run 'xtbatch install'."""


class JobNotFound(XtbatchError):
    """No batch job has that id."""


class JobFailed(XtbatchError):
    """The job failed.

    Raised by a job kind; its message becomes the job's Exit Status (first line the summary,
    then detail).
    """


class JobKindUnknown(JobFailed):
    """xtbatch does not know this job kind."""


class ParameterInvalid(JobFailed):
    """A job parameter is missing or malformed."""


class PrivilegeMissing(JobFailed):
    """The database user lacks a privilege the job needs."""


class FunctionMissing(JobFailed):
    """The database lacks a function or package the job needs."""


class NotificationFailed(XtbatchError):
    """The submitter could not be notified."""


class JobInterrupted(JobFailed):
    """The job was interrupted before it finished."""


class DatabaseLost(JobInterrupted):
    """The database connection was lost while the job ran."""


class InternalError(JobFailed):
    """The job failed for a fault in xtbatch or in its kind's code; the worker log has the
    traceback."""
