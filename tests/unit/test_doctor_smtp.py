"""``xtbatch doctor``'s SMTP check opens its session through ``xtbatch.mail``, as a job's email
does (issue 14): a refused login reads the same in the doctor's line and in a job's exit status.
The mail server is aiosmtpd in this process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from xtbatch import mail
from xtbatch.cli.commands import doctor
from xtbatch.errors import NotificationFailed
from xtbatch.settings import load

PASSWORD = "hunter2"


@contextmanager
def refusing_server() -> Iterator[int]:
    """An SMTP server on a free port that offers AUTH (without TLS) and refuses every login."""
    controller_module = pytest.importorskip("aiosmtpd.controller", reason="a test extra")
    from aiosmtpd.smtp import AuthResult

    def refuse(*_: object) -> AuthResult:
        return AuthResult(success=False, handled=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_module.Controller(
        object(),
        hostname="127.0.0.1",
        port=port,
        authenticator=refuse,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_doctor_and_a_sent_email_report_a_refused_login_alike() -> None:
    with refusing_server() as port:
        url = f"smtp://batch:{PASSWORD}@127.0.0.1:{port}"
        check = doctor.check_smtp(load({"smtp_url": url}))
        with pytest.raises(NotificationFailed) as sent:
            message = mail.Mail(sender="a@example.com", to="b@example.com", subject="s", body="b")
            mail.send(url, message)
    detail = sent.value.message.split("did not accept the email: ", 1)[1]
    assert detail.startswith("535 "), sent.value.message  # the server's code and words
    assert check.status == "FAIL", check.line()
    assert check.detail.endswith(f"127.0.0.1:{port} did not answer within 5 s: {detail}")
    assert PASSWORD not in check.line() + sent.value.message


def test_doctor_speaks_smtp_only_through_mail() -> None:
    source = Path(doctor.__file__).read_text(encoding="utf-8")
    assert "smtplib" not in source and "import ssl" not in source
