"""Errors the report renderer raises.

Each is a :class:`~xtbatch.errors.JobFailed`, so its message becomes the RunReport job's Exit
Status: the first line says what failed, the rest says where and what an administrator can do.
"""

from __future__ import annotations

from xtbatch.errors import JobFailed, ParameterInvalid


class ReportNotFound(JobFailed):
    """The report does not exist in this database."""


class ReportDefinitionInvalid(JobFailed):
    """The report definition is not valid OpenRPT XML: open and save it in the report writer."""


class MetaSQLNotFound(JobFailed):
    """A report query names a MetaSQL statement that does not exist in this database."""


class MetaSQLSyntaxError(JobFailed):
    """A MetaSQL statement has a syntax error."""

    def __init__(self, message: str | None = None, *, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class MetaSQLLiteralUnsafe(JobFailed):
    """A parameter used with MetaSQL literal() is not a plain name or number.

    literal() pastes the value into the SQL text, so xtbatch only accepts identifiers
    (optionally dotted), numbers and booleans there.
    """


class ReportParameterMissing(ParameterInvalid):
    """A report query needs a parameter the job does not give: add it to the job's parameters."""


class ReportQueryFailed(JobFailed):
    """A report query failed in the database."""


class ReportImageInvalid(JobFailed):
    """An image in the report will not decode: replace it in the report definition."""


class ReportFontUnknown(JobFailed):
    """The report uses a font xtbatch cannot render: change it to Helvetica, Times or Courier."""


class ReportElementUnsupported(JobFailed):
    """The report uses an OpenRPT feature xtbatch cannot render yet (graph, crosstab, labels…).

    Printing the rest would give a page that looks complete but is not, so the job fails.
    """
