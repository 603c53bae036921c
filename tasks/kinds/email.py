"""Email: the row as submitEmailToBatch leaves it (subject, body, HTML flag, cc, bcc,
reply-to; batch_filename attached when it names a readable file)."""

from __future__ import annotations

from pathlib import Path

from tasks.context import JobContext
from tasks.runner import job_kind
from xtbatch import mail, notify
from xtbatch.errors import JobFailed, NotificationFailed


def attachment_of(filename: str | None) -> tuple[mail.Attachment, ...]:
    """The file named by batch_filename, when it names a readable file."""
    if not filename or not filename.strip():
        return ()
    path = Path(filename.strip())
    try:
        if path.is_file():
            return (mail.Attachment.from_path(path),)
    except OSError:
        pass
    raise JobFailed(
        f"The attachment '{filename}' cannot be read by the xtbatch worker.\n"
        "batch_filename must name a file the worker's machine can read; "
        "the email was not sent."
    )


def message_of(
    ctx: JobContext, *, subject: str, attachments: tuple[mail.Attachment, ...]
) -> mail.Mail:
    """The email the job's row describes (recipients, reply-to, body, HTML flag, sender)."""
    job = ctx.job
    return mail.Mail(
        sender=notify.sender_for(ctx.conn, ctx.settings, job),
        to=job.email or "",
        cc=job.cc or "",
        bcc=job.bcc or "",
        reply_to=job.reply_to or "",
        subject=subject,
        body=job.body or "",
        html=job.email_html,
        attachments=attachments,
    )


@job_kind("Email")
def email(ctx: JobContext) -> str | None:
    job = ctx.job
    if not (job.email or job.cc or job.bcc):
        raise JobFailed(
            "The email has no recipient: batch_email, batch_cc and batch_bcc are all empty."
        )
    message = message_of(ctx, subject=job.subject or "", attachments=attachment_of(job.filename))
    try:
        mail.send(ctx.settings.smtp_url, message)
    except NotificationFailed as exc:
        raise JobFailed(f"The email was not sent: {exc.message}") from exc
    return f"email sent to {job.email or job.cc or job.bcc}"
