"""A small mailer: build a text+HTML message, hand it to the configured backend."""

import smtplib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid
from functools import cached_property
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app

from portal import clock
from portal.mime import (
    POLICY,
    WIRE,
    WIRE_UTF8,
    Attachment,
    header_line,
    is_bare_address,
    message_bytes,
)

__all__ = ["POLICY", "Attachment", "Mailer", "OutgoingMail", "current_mailer"]


@dataclass(frozen=True)
class OutgoingMail:
    """A message ready to go: its envelope and its bytes (CRLF line ends)."""

    #: The envelope's sender and recipients (MAIL FROM, RCPT TO): bare addresses.
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    message_id: str
    #: An address needs SMTPUTF8 (RFC 6531); the headers are then written in UTF-8.
    international: bool = False


class MailBackend(Protocol):
    """Something that delivers a built message or raises."""

    def send(self, message: OutgoingMail) -> None: ...

    def connection(self) -> AbstractContextManager[None]:
        """Inside it, messages may share one connection to the server."""
        ...


class FileBackend:
    """Writes each message as an `.eml` file, for development and demos."""

    def __init__(self, outbox: str | Path) -> None:
        self.outbox = Path(outbox)

    def send(self, message: OutgoingMail) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.outbox / name).write_bytes(message.data)

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

    def send(self, message: OutgoingMail) -> None:
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

    def _send_on_connection(self, message: OutgoingMail) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        smtp.handed_over = False
        options: tuple[str, ...] = ()
        if message.international:  # as smtplib's send_message does for such an address
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "An address needs internationalized email (SMTPUTF8), "
                    "which the mail server does not offer"
                )
            options = ("SMTPUTF8", "BODY=8BITMIME")
        smtp.sendmail(message.sender, list(message.recipients), message.data, options)

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
        #: The From line, as is and for a message that goes with SMTPUTF8, once worked out.
        self._from: dict[bool, bytes] = {}

    @cached_property
    def _envelope_sender(self) -> str:
        """MAIL FROM. A sender with no address fails each message as it is built (recorded
        as that message's failure), never the making of the mailer."""
        return _addresses("From", self.sender)[0]

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
        message = self.build(to, subject, text, html, headers, attachments)
        self.backend.send(message)
        return message.message_id

    def build(
        self,
        to: str,
        subject: str,
        text: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> OutgoingMail:
        """The message as it goes out: From, To, Subject, Date, Message-ID, `headers`, then
        the text, its HTML alternative and the attachments."""
        recipients = _addresses("To", to)
        international = not "".join([self._envelope_sender, *recipients]).isascii()
        policy = WIRE_UTF8 if international else WIRE
        if international not in self._from:
            self._from[international] = header_line("From", self.sender, policy)
        message_id = make_msgid(domain=self.domain)
        head = [
            self._from[international],
            header_line("To", to, policy),
            header_line("Subject", subject, policy),
            # The package writes a date as format_datetime does, whatever form it was given in.
            f"Date: {format_datetime(datetime.now(UTC))}\r\n".encode("ascii"),
            header_line("Message-ID", message_id, policy),
            *(header_line(name, value, policy) for name, value in (headers or {}).items()),
        ]
        return OutgoingMail(
            sender=self._envelope_sender,
            recipients=recipients,
            data=message_bytes(head, text, html, attachments),
            message_id=message_id,
            international=international,
        )

    def connection(self) -> AbstractContextManager[None]:
        """Send every message inside over one connection (a batch job), closed at the end."""
        return self.backend.connection()


def _addresses(name: str, value: str) -> tuple[str, ...]:
    """The bare addresses of an address header's value (the envelope's); ValueError when
    there is none with a domain (a server would refuse it after the connection's work)."""
    if is_bare_address(value):
        return (value,)
    _, header = POLICY.header_store_parse(name, value)
    found = tuple(address.addr_spec for address in header.addresses if address.domain)
    if not found:
        raise ValueError(f"{name} holds no address: {value!r}")
    return found


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
