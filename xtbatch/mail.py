"""Outgoing email through ``XTBATCH_SMTP_URL``."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from xtbatch.errors import ConfigurationError, NotificationFailed

log = logging.getLogger(__name__)

# Per network operation. A worker waiting on a slow mail server writes no heartbeat, but its
# database session lives, so the bridge waits for it (bridge/dispatcher.py, _still_connected).
SMTP_TIMEOUT = 20
# local@domain; a domain without a dot (localhost, an intranet host) is valid for SMTP.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\].]+(\.[^@\s<>(),;:\"\[\].]+)*")


@dataclass(frozen=True, kw_only=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"

    @classmethod
    def from_path(cls, path: Path, filename: str | None = None) -> Attachment:
        guessed, _ = mimetypes.guess_type(path.name)
        return cls(
            filename=filename or path.name,
            content=path.read_bytes(),
            mime_type=guessed or "application/octet-stream",
        )


@dataclass(frozen=True, kw_only=True)
class Mail:
    sender: str
    to: str
    subject: str
    body: str
    html: bool = False
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def addresses(text: str | None, header: str) -> list[str]:
    """The addresses in a header as xTuple stores it (commas or semicolons between them).

    Raises:
        NotificationFailed: an address is malformed.
    """
    if not text or not text.strip():
        return []
    found = []
    for name, address in getaddresses([text.replace(";", ",")]):
        if not _ADDRESS.fullmatch(address):
            raise NotificationFailed(
                f"The {header} address {(address or name or text)!r} is not a valid email address."
            )
        found.append(str(Address(display_name=name, addr_spec=address)) if name else address)
    return found


def build(mail: Mail) -> tuple[EmailMessage, list[str]]:
    """The message and the list of every recipient (bcc included).

    Raises:
        NotificationFailed: no recipient, or a malformed address.
    """
    to = addresses(mail.to, "To")
    cc = addresses(mail.cc, "Cc")
    bcc = addresses(mail.bcc, "Bcc")
    reply_to = addresses(mail.reply_to, "Reply-To")
    sender = addresses(mail.sender, "From")
    if not to and not cc and not bcc:
        raise NotificationFailed("The email has no recipient.")
    if len(sender) != 1:
        raise NotificationFailed(f"The From address {mail.sender!r} must be one address.")
    message = EmailMessage()
    message["From"] = sender[0]
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if reply_to:
        message["Reply-To"] = ", ".join(reply_to)
    message["Subject"] = (mail.subject or "").replace("\r", " ").replace("\n", " ")
    message["Message-ID"] = make_msgid(domain=sender[0].rsplit("@", 1)[-1].rstrip(">"))
    message.set_content(mail.body or "", subtype="html" if mail.html else "plain")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message, [address_of(a) for a in to + cc + bcc]


def address_of(formatted: str) -> str:
    return getaddresses([formatted])[0][1]


@dataclass(frozen=True, kw_only=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    mode: str  # plain, tls or starttls

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Parse ``smtp://``, ``smtps://`` or ``smtp+starttls://`` URLs.

        Raises:
            ConfigurationError: the URL is not an SMTP URL.
        """
        parts = urlsplit(url)
        modes = {"smtp": "plain", "smtps": "tls", "smtp+starttls": "starttls"}
        if parts.scheme not in modes or not parts.hostname:
            raise ConfigurationError("XTBATCH_SMTP_URL must look like smtp://host:port")
        mode = modes[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if mode == "tls" else 587 if mode == "starttls" else 25),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            mode=mode,
        )


def send(smtp_url: str, mail: Mail) -> None:
    """Send one email.

    Raises:
        NotificationFailed: no SMTP server is configured, an address is bad, or the server
            refused or could not be reached. The message never contains the password.
    """
    if not smtp_url:
        raise NotificationFailed("No mail server is configured (XTBATCH_SMTP_URL is empty).")
    server = SmtpServer.from_url(smtp_url)
    message, recipients = build(mail)
    try:
        with _session(server, SMTP_TIMEOUT) as smtp:
            refused = smtp.send_message(message, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        # Not chained: the SMTP error's own text (a refused login echoes what was sent) may
        # hold the password, which _describe masks and a chained traceback would not.
        raise NotificationFailed(
            f"The mail server {server.host}:{server.port} did not accept the email: "
            f"{_describe(exc, server.password)}"
        ) from None
    if refused:
        raise NotificationFailed(
            "The mail server refused these recipients: " + ", ".join(sorted(refused))
        )
    log.info(
        "mail sent to %d recipient(s)",
        len(recipients),
        extra={"action": "mail.sent", "recipients": len(recipients)},
    )


def greet(server: SmtpServer, timeout: float) -> int:
    """Open a session as ``send`` does (TLS, EHLO, login) and send nothing: the server's
    answer to NOOP. For ``xtbatch doctor``.

    Raises:
        NotificationFailed: the server could not be reached within ``timeout`` seconds, or
            refused the session or the login. The message never contains the password.
    """
    try:
        with _session(server, timeout) as smtp:
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        detail = _describe(exc, server.password).splitlines()[0]
        raise NotificationFailed(
            f"mail server {server.host}:{server.port} did not answer within {timeout:.0f} s: "
            f"{detail}"
        ) from exc
    return int(code)


@contextlib.contextmanager
def _session(server: SmtpServer, timeout: float) -> Iterator[smtplib.SMTP]:
    """A connected, greeted session with the server, logged in when the URL names a user.

    Raises:
        OSError, smtplib.SMTPException: as smtplib raises them.
    """
    smtp: smtplib.SMTP
    if server.mode == "tls":
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with smtp:
        smtp.ehlo_or_helo_if_needed()
        if server.mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo_or_helo_if_needed()  # starttls forgets the greeting
        if server.user:
            smtp.login(server.user, server.password)
        yield smtp


def _describe(exc: BaseException, password: str) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        text = f"{exc.smtp_code} {detail}"
    if password:
        text = text.replace(password, "****")
    return text
