"""RunReport: render the report named by batch_parameter to PDF, save it, email it.

The batchparam rows are the report's parameters, decoded by type (:mod:`xtbatch.params`); the
highest grade of the report is rendered by :func:`xtbatch.report.render_report`, whose errors
(missing report or parameter, SQL error with the query's name and position, bad image, …)
end the job with their message as the exit status.

The PDF is saved in ``XTBATCH_REPORT_DIR`` (default: the system temp folder) as the last part
of batch_filename (folders and characters no file system accepts are dropped, ``.pdf`` is
added when missing), else as ``<report name>.pdf``. The desktop client may store a path of the
submitter's own machine there, so only the name is kept; it can never reach outside the
folder. The file is written beside its final name and renamed over it, so a reader never sees
half a PDF and a planted symlink is replaced rather than followed; it is readable by the
worker's user only (invoices hold customer data; the default folder is shared). A later job
with the same name replaces it: the email carries each job's own PDF, not the file.

It is then emailed as an attachment per the row: To batch_email, Cc, Bcc, Reply-To, From via
:func:`xtbatch.notify.sender_for`, subject batch_subject (default: the report name), body
batch_responsebody, HTML flag.

A row with no recipient still succeeds: xTuple users print to a folder with it, and a report
nobody asked to mail is not a failure. The summary in the worker log says where the PDF is.
When there are recipients but the email cannot be sent, the job fails and its exit status
still says where the PDF was saved.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.context import JobContext
from tasks.kinds.email import message_of
from tasks.runner import job_kind
from xtbatch import mail
from xtbatch.errors import JobFailed, NotificationFailed

if TYPE_CHECKING:
    from xtbatch.report import RenderedReport

# Characters Windows or POSIX refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_LONGEST_STEM = 200  # bytes of UTF-8: the name stays under file systems' 255-byte limit


def pdf_name(filename: str | None, report_name: str) -> str:
    """The file name to save as: batch_filename's last part, else the report name, + .pdf."""
    for candidate in (filename, report_name):
        name = _UNSAFE.sub("_", re.split(r"[\\/]", (candidate or "").strip())[-1]).strip()
        stem = name[:-4] if name.lower().endswith(".pdf") else name
        # No ".", "..", hidden files or Windows-trailing dots; cut at a character boundary.
        stem = stem.strip(" .").encode()[:_LONGEST_STEM].decode(errors="ignore").rstrip(" .")
        if stem:
            return f"{stem}.pdf"
    return "report.pdf"


def save_pdf(folder: Path, name: str, pdf: bytes) -> Path:
    """Write ``pdf`` as ``folder/name`` atomically; return the path.

    Raises:
        JobFailed: the folder cannot be created or written.
    """
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=".xtbatch-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pdf)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
    except OSError as exc:
        raise JobFailed(
            f"The report was rendered but could not be saved as {path}: "
            f"{exc.strerror or exc}\n"
            "XTBATCH_REPORT_DIR must name a folder the xtbatch worker can write."
        ) from exc
    return path


def _render(ctx: JobContext, report_name: str) -> RenderedReport:
    try:
        # Imported here: reportlab and Pillow cost every worker ~9.5 MB; only RunReport needs them.
        from xtbatch.report import render_report

        return render_report(ctx.conn, report_name, ctx.params)
    except JobFailed:
        # The heartbeat cancels the running query when the ERP cancels the job; say that,
        # not the query error the cancellation caused.
        ctx.check_cancelled()
        raise


def _send(ctx: JobContext, report_name: str, name: str, pdf: bytes, path: Path) -> None:
    message = message_of(
        ctx,
        subject=(ctx.job.subject or "").strip() or report_name,
        attachments=(mail.Attachment(filename=name, content=pdf, mime_type="application/pdf"),),
    )
    try:
        mail.send(ctx.settings.smtp_url, message)
    except NotificationFailed as exc:
        raise JobFailed(f"The report was saved as {path} but not emailed: {exc.message}") from exc


@job_kind("RunReport")
def run_report(ctx: JobContext) -> str | None:
    job = ctx.job
    report_name = (job.parameter or "").strip()
    if not report_name:
        raise JobFailed(
            "The job names no report: batch_parameter is empty.\n"
            "Submit RunReport jobs with submitReportToBatch and a report name."
        )
    rendered = _render(ctx, report_name)
    size = len(rendered.pdf)
    ctx.log.info(
        "report %s rendered: %d page(s), %d bytes",
        report_name,
        rendered.page_count,
        size,
        extra={"action": "report.rendered", "pages": rendered.page_count, "bytes": size},
    )
    ctx.progress(1, 3, "rendered")
    ctx.check_cancelled()
    name = pdf_name(job.filename, report_name)
    path = save_pdf(Path(ctx.settings.report_dir or tempfile.gettempdir()), name, rendered.pdf)
    ctx.log.info(
        "report %s saved as %s",
        report_name,
        path,
        extra={"action": "report.saved", "path": str(path)},
    )
    ctx.progress(2, 3, "saved")
    what = f"report {report_name} ({rendered.page_count} page(s), {size} bytes) saved as {path}"
    recipients = [a.strip() for a in (job.email, job.cc, job.bcc) if a and a.strip()]
    if not recipients:
        return f"{what}; not emailed: the job has no recipient"
    ctx.check_cancelled()
    _send(ctx, report_name, name, rendered.pdf, path)
    ctx.progress(3, 3, "emailed")
    return f"{what} and emailed to {', '.join(recipients)}"
