"""A small mailer: build a text+HTML message, hand it to the configured backend."""

import smtplib
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from flask import current_app

from portal import clock


class MailBackend(Protocol):
    """Something that delivers a built message or raises."""

    def send(self, message: EmailMessage) -> None: ...


class FileBackend:
    """Writes each message as an `.eml` file, for development and demos."""

    def __init__(self, outbox: str | Path) -> None:
        self.outbox = Path(outbox)

    def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.outbox / name).write_bytes(bytes(message))


class SmtpBackend:
    """Delivers over SMTP, with STARTTLS and login when configured."""

    def __init__(self, host: str, port: int, username=None, password=None, use_tls=False):
        self.host, self.port = host, port
        self.username, self.password, self.use_tls = username, password, use_tls

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class Mailer:
    """Builds messages from the portal's sender and passes them to a backend."""

    def __init__(self, backend: MailBackend, sender: str) -> None:
        self.backend, self.sender = backend, sender

    def send(
        self,
        to: str,
        subject: str,
        text: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """Send one message; return its Message-ID. Raises when the backend fails."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="owners-club.portal")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
        self.backend.send(message)
        return message["Message-ID"]


def mailer_from_config(config: Mapping) -> Mailer:
    """The mailer the configuration asks for."""
    if config["MAIL_BACKEND"] == "smtp":
        backend: MailBackend = SmtpBackend(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config.get("MAIL_USERNAME"),
            config.get("MAIL_PASSWORD"),
            config.get("MAIL_USE_TLS", False),
        )
    elif config["MAIL_BACKEND"] == "file":
        backend = FileBackend(config["MAIL_OUTBOX"])
    else:
        raise ValueError(f"Unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}: use 'file' or 'smtp'.")
    return Mailer(backend, config["MAIL_FROM"])


def current_mailer() -> Mailer:
    """The mailer of the running app."""
    return mailer_from_config(current_app.config)
