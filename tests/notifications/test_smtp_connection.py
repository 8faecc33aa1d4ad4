"""A dispatch run sends over one SMTP connection; refusals and dropped connections lose nothing.

A real aiosmtpd server on loopback that can refuse a recipient, drop the connection after
some messages, or drop it while a message is going out.
"""

import socket
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.services import notify
from tests.conftest import parse_mail


class Server:
    """Counts connections and messages per recipient; misbehaves as the test asks."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.peers: set = set()
        self.lock = threading.Lock()
        self.refuse: set[str] = set()
        #: Close the connection when a client starts another message after this many.
        self.messages_per_connection: int | None = None
        #: Close the connection, without answering, once this recipient's message arrived.
        self.drop_after_data_for: str | None = None
        self._per_peer: Counter = Counter()

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        limit = self.messages_per_connection
        if limit is not None and self._per_peer[session.peer] >= limit:
            server.transport.close()
            return "421 Too many messages on one connection, come back"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = parse_mail(envelope.content)
        with self.lock:
            self.received[message["To"]] += 1
            self.peers.add(session.peer)
            self._per_peer[session.peer] += 1
        if message["To"] == self.drop_after_data_for:
            server.transport.close()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    handler = Server()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()


def _queue(make_owner, count: int) -> list[str]:
    """One queued email for each of `count` new owners; returns their addresses."""
    owners = [make_owner() for _ in range(count)]
    for owner in owners:
        notify(
            db.session,
            user=owner,
            key=f"smtp-test:{owner.id}",
            kind="event",
            subject=f"Your seat is confirmed, {owner.first_name}",
            body="See you on Saturday.",
            now=clock.now(),
        )
    db.session.commit()
    return [owner.email for owner in owners]


def _statuses() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Notification).order_by(Notification.id))
    statuses = {row.user.email: row.status for row in rows}
    db.session.commit()
    return statuses


def test_a_run_sends_every_message_over_one_connection(make_owner, smtp):
    addresses = _queue(make_owner, 6)
    report = dispatch()
    assert (report.sent, report.failed) == (6, 0)
    assert smtp.received == Counter(addresses)
    assert len(smtp.peers) == 1


def test_a_refused_message_is_recorded_and_the_others_still_go(make_owner, smtp):
    addresses = _queue(make_owner, 5)
    smtp.refuse = {addresses[2]}
    report = dispatch()
    assert (report.sent, report.failed) == (4, 1)
    assert smtp.received == Counter(addresses[:2] + addresses[3:])
    assert len(smtp.peers) == 1, "a refusal does not cost the connection"
    statuses = _statuses()
    assert statuses.pop(addresses[2]) == DeliveryStatus.FAILED
    assert set(statuses.values()) == {DeliveryStatus.SENT}

    smtp.refuse = set()
    assert dispatch().sent == 1
    assert smtp.received == Counter(addresses)


def test_a_dropped_connection_reconnects_and_sends_each_message_once(make_owner, smtp):
    addresses = _queue(make_owner, 7)
    smtp.messages_per_connection = 2
    report = dispatch()
    assert (report.sent, report.failed) == (7, 0)
    assert smtp.received == Counter(addresses)
    assert len(smtp.peers) == 4
    assert set(_statuses().values()) == {DeliveryStatus.SENT}


def test_a_message_the_server_may_have_received_is_not_sent_again_in_the_same_run(make_owner, smtp):
    addresses = _queue(make_owner, 4)
    smtp.drop_after_data_for = addresses[1]
    report = dispatch()
    assert (report.sent, report.failed) == (3, 1)
    assert smtp.received == Counter(addresses), "nothing twice, the others still sent"
    assert _statuses()[addresses[1]] == DeliveryStatus.FAILED
