#!/usr/bin/python3
"""Stand-in for the Mailpit image (axllent/mailpit) for what compose.yaml and its test use.

- SMTP on port 1025 (aiosmtpd) keeps every message in memory, as Mailpit does by default;
  MP_SMTP_AUTH_ACCEPT_ANY accepts any login.
- HTTP on port 8025, a subset of Mailpit's API: GET /readyz, GET /api/v1/messages (newest
  first), GET /api/v1/message/<ID>, GET /api/v1/message/<ID>/raw, DELETE /api/v1/messages.
  MP_UI_AUTH ("user:password", several separated by spaces) requires HTTP basic auth.
- `/mailpit readyz` exits 0 when the HTTP side answers (compose.yaml's healthcheck).
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import json
import os
import signal
import sys
import threading
import time
import urllib.request
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SMTP_PORT = 1025
HTTP_PORT = 8025


class Store:
    """The messages received, oldest first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        entry = {
            "ID": uuid.uuid4().hex,
            "raw": raw,
            "message": message,
            "envelope_from": mail_from,
            "envelope_to": rcpt_tos,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with self.lock:
            self.messages.append(entry)

    def find(self, message_id: str) -> dict[str, Any] | None:
        with self.lock:
            return next((m for m in self.messages if m["ID"] == message_id), None)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


def addresses(message: EmailMessage, header: str) -> list[dict[str, str]]:
    values = message.get_all(header) or []
    return [{"Name": n, "Address": a} for n, a in email.utils.getaddresses(map(str, values))]


def attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        payload = part.get_payload(decode=True) or b""
        found.append(
            {
                "PartID": str(number),
                "FileName": part.get_filename() or "",
                "ContentType": part.get_content_type(),
                "Size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return found


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    message: EmailMessage = entry["message"]
    sender = addresses(message, "From")
    return {
        "ID": entry["ID"],
        "MessageID": str(message.get("Message-ID", "")).strip("<>"),
        "Read": False,
        "From": sender[0] if sender else {"Name": "", "Address": entry["envelope_from"]},
        "To": addresses(message, "To"),
        "Cc": addresses(message, "Cc"),
        "Bcc": [{"Name": "", "Address": a} for a in entry["envelope_to"]],
        "ReplyTo": addresses(message, "Reply-To"),
        "Subject": str(message.get("Subject", "")),
        "Created": entry["created"],
        "Size": len(entry["raw"]),
        "Attachments": len(attachments(message)),
        "Tags": [],
    }


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""


def details(entry: dict[str, Any]) -> dict[str, Any]:
    message: EmailMessage = entry["message"]
    return {
        **summary(entry),
        "Date": str(message.get("Date", "")),
        "Text": body(message, "plain"),
        "HTML": body(message, "html"),
        "Inline": [],
        "Attachments": attachments(message),
    }


def make_handler(store: Store, logins: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Mailpit"')
            self.end_headers()
            self.wfile.write(data)

        def send_json(self, value: Any) -> None:
            self.send(200, json.dumps(value).encode(), "application/json")

        def authorised(self) -> bool:
            if not logins or self.path == "/readyz":
                return True
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            try:
                login = base64.b64decode(token).decode()
            except ValueError:
                return False
            if scheme.lower() == "basic" and login in logins:
                return True
            self.send(401, b"Unauthorised.\n", "text/plain")
            return False

        def do_GET(self) -> None:
            if not self.authorised():
                return
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if parts == ["readyz"]:
                self.send(200, b"OK\n", "text/plain")
            elif parts == ["api", "v1", "messages"]:
                with store.lock:
                    listed = [summary(m) for m in reversed(store.messages)]
                self.send_json(
                    {"total": len(listed), "count": len(listed), "start": 0, "messages": listed}
                )
            elif parts[:3] == ["api", "v1", "message"] and len(parts) in (4, 5):
                entry = store.find(parts[3])
                if entry is None:
                    self.send(404, b"Message not found\n", "text/plain")
                elif len(parts) == 4:
                    self.send_json(details(entry))
                elif parts[4] == "raw":
                    self.send(200, entry["raw"], "text/plain; charset=utf-8")
                else:
                    self.send(404, b"Not found\n", "text/plain")
            else:
                self.send(404, b"Not found\n", "text/plain")

        def do_DELETE(self) -> None:
            if not self.authorised():
                return
            if self.path.split("?")[0].rstrip("/") == "/api/v1/messages":
                store.clear()
                self.send(200, b"ok", "text/plain")
            else:
                self.send(404, b"Not found\n", "text/plain")

    return Handler


def serve() -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    store = Store()

    class Receiver:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            raw = envelope.original_content or envelope.content
            store.add(raw, envelope.mail_from, list(envelope.rcpt_tos))
            print(f"mailpit: received a message for {', '.join(envelope.rcpt_tos)}", flush=True)
            return "250 OK"

    def accept_any(*_args: Any) -> AuthResult:
        return AuthResult(success=True)

    accept = os.environ.get("MP_SMTP_AUTH_ACCEPT_ANY", "") not in ("", "0", "false")
    smtp = Controller(
        Receiver(),
        hostname="0.0.0.0",
        port=SMTP_PORT,
        server_hostname="mailpit",
        authenticator=accept_any if accept else None,
        auth_require_tls=False,
        # The readiness probe aiosmtpd makes would connect to 0.0.0.0.
        ready_timeout=10,
    )
    smtp.start()
    logins = set(os.environ.get("MP_UI_AUTH", "").split())
    web = ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), make_handler(store, logins))
    # PID 1 in its container: without a handler SIGTERM would be ignored until SIGKILL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"mailpit: SMTP on :{SMTP_PORT}, HTTP on :{HTTP_PORT}", flush=True)
    try:
        web.serve_forever()
    finally:
        smtp.stop()


def readyz() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/readyz", timeout=5):
            return 0
    except OSError as exc:
        print(f"not ready: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    if sys.argv[1:] == ["readyz"]:
        sys.exit(readyz())
    serve()
