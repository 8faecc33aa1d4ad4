"""A small mailer: build a text+HTML message, hand it to the configured backend."""

import email.policy
import smtplib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app

from portal import clock

#: RFC 5322's hard limit on a line, without its CRLF.
MAX_LINE_OCTETS = 998


class VerbatimHeader(UnstructuredHeader):
    """A header written exactly as given: folded only at whitespace, never encoded.

    List-Unsubscribe (RFC 2369, RFC 8058) must carry `<https://...>` as plain ASCII; the
    default folding turns a long value without spaces into an RFC 2047 encoded-word,
    which no mailbox provider reads as a URL. Words stay whole: one longer than the
    policy's preferred line stands on a line of its own, up to RFC 5322's 998 octets.
    """

    def fold(self, *, policy) -> str:
        value = str(self)
        if not value.isascii() or any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"{self.name} must be plain ASCII on one logical line")
        lines = [f"{self.name}:"]
        for position, word in enumerate(value.split()):
            if position and len(lines[-1]) + 1 + len(word) > policy.max_line_length:
                lines.append("")
            lines[-1] += f" {word}"
        if any(len(line) > MAX_LINE_OCTETS for line in lines):
            raise ValueError(f"{self.name} has a word longer than {MAX_LINE_OCTETS} characters")
        return "".join(line + policy.linesep for line in lines)


class _HeaderRegistry(HeaderRegistry):
    """The standard header registry, but each header's class is made once, not per header.

    Python's registry builds a new class with `type()` for every header of every message;
    at the volume of a dispatch run that is a fifth of the time spent building mail.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        for name in ("List-Unsubscribe", "List-Unsubscribe-Post"):
            self.map_to_type(name, VerbatimHeader)

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


#: email's default policy (RFC-correct headers), with the faster header registry that
#: writes List-Unsubscribe verbatim.
POLICY = email.policy.default.clone(header_factory=_HeaderRegistry())


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, e.g. an event as `text/calendar`."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    #: Extra Content-Type parameters, e.g. {"method": "PUBLISH"} for a calendar file.
    params: Mapping[str, str] = field(default_factory=dict)


class MailBackend(Protocol):
    """Something that delivers a built message or raises."""

    def send(self, message: EmailMessage) -> None: ...

    def connection(self) -> AbstractContextManager[None]:
        """Inside it, messages may share one connection to the server."""
        ...


class FileBackend:
    """Writes each message as an `.eml` file, for development and demos."""

    def __init__(self, outbox: str | Path) -> None:
        self.outbox = Path(outbox)

    def send(self, message: EmailMessage) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.outbox / name).write_bytes(bytes(message))

    def connection(self) -> AbstractContextManager[None]:
        return nullcontext()


class _Smtp(smtplib.SMTP):
    """smtplib's client, noting when a message's content has started to go out."""

    handed_over = False

    def data(self, msg):
        self.handed_over = True
        return super().data(msg)


def _connection_dropped(error: Exception) -> bool:
    """A failure of the connection itself (closed, reset, 421), not a refusal of the message."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


class SmtpBackend:
    """Delivers over SMTP, with STARTTLS and login when configured.

    Alone, each message opens and closes its own connection. Inside `connection()` (the
    dispatch job) messages share one; when the server has dropped it (idle timeout, a
    limit of messages per connection), the next message reconnects and is sent on the new
    connection, as long as none of its content had gone out on the old one: a message the
    server may have received is reported as failed, never sent twice.
    """

    def __init__(self, host: str, port: int, username=None, password=None, use_tls=False):
        self.host, self.port = host, port
        self.username, self.password, self.use_tls = username, password, use_tls
        self._smtp: _Smtp | None = None
        self._keep_open = False

    def send(self, message: EmailMessage) -> None:
        reused = self._smtp is not None
        try:
            self._send_on_connection(message)
        except Exception as error:
            if not _connection_dropped(error):
                raise  # a refusal of this message: smtplib has reset, the connection serves on
            handed_over = self._smtp is not None and self._smtp.handed_over
            self.close()
            if not reused or handed_over:
                raise
            self._send_on_connection(message)
        finally:
            if not self._keep_open:
                self.close()

    @contextmanager
    def connection(self) -> Iterator[None]:
        self._keep_open = True
        try:
            yield
        finally:
            self._keep_open = False
            self.close()

    def close(self) -> None:
        """Say goodbye to the server, if connected; a connection already gone is fine."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _send_on_connection(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.handed_over = False
        self._smtp.send_message(message)

    def _connect(self) -> _Smtp:
        smtp = _Smtp(self.host, self.port, timeout=20)
        try:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class Mailer:
    """Builds messages from the portal's sender and passes them to a backend."""

    def __init__(self, backend: MailBackend, sender: str, domain: str) -> None:
        self.backend, self.sender = backend, sender
        #: The right-hand side of every Message-ID: the portal's own host name.
        self.domain = domain

    def send(
        self,
        to: str,
        subject: str,
        text: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> str:
        """Send one message; return its Message-ID. Raises when the backend fails."""
        message = EmailMessage(policy=POLICY)
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.domain)
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
        for attachment in attachments:
            message.add_attachment(
                attachment.content,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
                params=dict(attachment.params),
            )
        self.backend.send(message)
        return message["Message-ID"]

    def connection(self) -> AbstractContextManager[None]:
        """Send every message inside over one connection (a batch job), closed at the end."""
        return self.backend.connection()


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
    return Mailer(backend, config["MAIL_FROM"], site_domain(config["PORTAL_BASE_URL"]))


def site_domain(base_url: str) -> str:
    """The host name of the portal's public address, for Message-IDs and calendar UIDs."""
    return urlsplit(base_url).hostname or "localhost"


def current_mailer() -> Mailer:
    """The mailer of the running app."""
    return mailer_from_config(current_app.config)
