"""Claiming and sending touch only the messages they name: another owner's message, a message
outside the run or already decided stays exactly as it was."""

from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select

from portal.extensions import db
from portal.mail import Attachment
from portal.notifications import services
from portal.notifications.models import ContactChannel, DeliveryStatus, Notification
from portal.notifications.services import (
    MAX_ATTEMPTS,
    QUEUED,
    RESULTS_PER_COMMIT,
    STALE_CLAIM,
    Consent,
    Message,
    deliver_pending,
    notify_many,
)

NOW = datetime(2026, 4, 1, 12, tzinfo=UTC)


class FakeMailer:
    """Keeps what it was asked to send; refuses the addresses in `refuse`."""

    def __init__(self, refuse=(), on_send=None):
        self.sent: list[tuple] = []
        self.refuse = set(refuse)
        self.on_send = on_send
        self.connections = 0

    def send(self, to, subject, text, html=None, headers=None, attachments=()):
        if self.on_send:
            self.on_send()
        if to in self.refuse:
            raise ConnectionError(f"mailbox {to} refused")
        self.sent.append((to, subject, text, html, headers))

    def connection(self):
        self.connections += 1
        return nullcontext()


class FakeSms:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, to, body):
        self.sent.append((to, body))


def _render(notification):
    return f"text of {notification.key}", f"<p>{notification.key}</p>", {"X-Key": notification.key}


def _deliver(mailer=None, sms=None, now=NOW, **options):
    return deliver_pending(
        db.session,
        mailer=mailer or FakeMailer(),
        sms=sms or FakeSms(),
        now=now,
        render_email=_render,
        **options,
    )


def _message(owner, key, consent=Consent.TRANSACTIONAL, **extra) -> Message:
    return Message(owner, key, "event", f"Subject {key}", f"Body {key}", consent, **extra)


def _row(key) -> Notification:
    db.session.expire_all()
    return db.session.scalar(select(Notification).where(Notification.key == key))


def _state(key) -> tuple:
    row = _row(key)
    return (row.status, row.attempts, row.claimed_at, row.sent_at, row.last_error)


# --- Claiming -----------------------------------------------------------------------------


def test_claiming_writes_each_message_as_given_and_queues_its_id(make_owner):
    olivia = make_owner(name="Olivia Owner")
    texter = make_owner(preferred_channel=ContactChannel.SMS, phone="+12025550123")
    ids = notify_many(
        db.session,
        [
            _message(olivia, "a", action_path="/events/1", action_label="See the event"),
            _message(texter, "b"),
        ],
        NOW,
    )
    assert db.session.info[QUEUED] == ids
    db.session.commit()
    first, second = _row("a"), _row("b")
    assert ids == [first.id, second.id]
    assert (first.user_id, first.kind, first.subject, first.body) == (
        olivia.id,
        "event",
        "Subject a",
        "Body a",
    )
    assert (first.action_path, first.action_label) == ("/events/1", "See the event")
    assert (first.channel, first.status, first.attempts) == ("email", DeliveryStatus.PENDING, 0)
    assert (first.created_at, first.sent_at, first.read_at) == (NOW, None, None)
    assert (second.channel, second.status, second.sent_at) == ("sms", DeliveryStatus.PENDING, None)


@pytest.mark.parametrize("channel", [ContactChannel.INBOX, ContactChannel.PHONE])
def test_an_owner_who_reads_the_inbox_gets_the_message_there_already_delivered(make_owner, channel):
    owner = make_owner(preferred_channel=channel)
    notify_many(db.session, [_message(owner, "a")], NOW)
    db.session.commit()
    row = _row("a")
    assert (row.channel, row.status, row.sent_at) == (channel, DeliveryStatus.INBOX_ONLY, NOW)
    mailer = FakeMailer()
    assert _deliver(mailer).sent == 0
    assert mailer.sent == []


def test_a_second_claim_returns_only_the_new_ids_and_leaves_the_first_row(make_owner):
    olivia, sam = make_owner(), make_owner()
    [first] = notify_many(db.session, [_message(olivia, "a")], NOW)
    db.session.commit()
    again = notify_many(
        db.session, [_message(sam, "a"), _message(sam, "b")], NOW + timedelta(days=1)
    )
    db.session.commit()
    assert again == [_row("b").id]
    assert first not in again
    assert (_row("a").user_id, _row("a").created_at) == (olivia.id, NOW)


def test_nothing_to_claim_runs_no_statement(make_owner, count_queries):
    owner = make_owner(consent_service=False)
    db.session.refresh(owner)
    with count_queries() as statements:
        assert notify_many(db.session, [_message(owner, "a", Consent.SERVICE)], NOW) == []
    assert statements == []
    assert QUEUED not in db.session.info


@pytest.mark.parametrize(
    ("consent", "field"),
    [
        (Consent.SERVICE, "consent_service"),
        (Consent.EVENT_INVITES, "consent_event_invites"),
        (Consent.CELEBRATIONS, "birthday_messages"),
    ],
)
def test_each_kind_of_message_asks_for_its_own_consent_only(make_owner, consent, field):
    fields = ("consent_service", "consent_event_invites", "birthday_messages")
    agreed = make_owner(**{name: name == field for name in fields})
    declined = make_owner(**{name: name != field for name in fields})
    assert services.has_consent(agreed, consent) is True
    assert services.has_consent(declined, consent) is False
    assert services.has_consent(declined, Consent.TRANSACTIONAL) is True
    ids = notify_many(
        db.session, [_message(agreed, "yes", consent), _message(declined, "no", consent)], NOW
    )
    db.session.commit()
    assert ids == [_row("yes").id]
    assert _row("no") is None


def test_a_channel_consent_decides_email_or_inbox_and_never_drops_the_message(make_owner):
    agreed = make_owner(consent_event_invites=True)
    declined = make_owner(consent_event_invites=False, consent_service=True)
    invite = {"channel_consent": Consent.EVENT_INVITES}
    notify_many(
        db.session,
        [
            _message(agreed, "agreed", **invite),
            _message(declined, "declined", **invite),
            _message(declined, "plain"),  # names no channel consent: goes out as chosen
        ],
        NOW,
    )
    db.session.commit()
    assert (_row("agreed").status, _row("agreed").sent_at) == (DeliveryStatus.PENDING, None)
    assert (_row("declined").status, _row("declined").sent_at) == (DeliveryStatus.INBOX_ONLY, NOW)
    assert (_row("plain").status, _row("plain").sent_at) == (DeliveryStatus.PENDING, None)
    assert services.goes_out(declined, Consent.SERVICE) is True
    assert services.goes_out(declined, Consent.EVENT_INVITES) is False


def test_a_message_counts_against_the_budget_unless_transactional_or_told_otherwise(make_owner):
    owner = make_owner()
    notify_many(
        db.session,
        [
            _message(owner, "service", Consent.SERVICE),
            _message(owner, "reply"),
            _message(owner, "service-free", Consent.SERVICE, budgeted=False),
            _message(owner, "reply-counted", budgeted=True),
        ],
        NOW,
    )
    db.session.commit()
    budgeted = {key: _row(key).budgeted for key in ("service", "reply", "service-free")}
    assert budgeted == {"service": True, "reply": False, "service-free": False}
    assert _row("reply-counted").budgeted is True


def test_a_deactivated_owner_is_sent_nothing(make_owner):
    gone, here = make_owner(deactivated_at=NOW), make_owner()
    ids = notify_many(db.session, [_message(gone, "gone"), _message(here, "here")], NOW)
    db.session.commit()
    assert ids == [_row("here").id]
    assert _row("gone") is None


def test_notify_returns_the_new_id_then_none(make_owner):
    owner = make_owner()
    first = services.notify(
        db.session, user=owner, key="k", kind="reward", subject="S", body="B", now=NOW,
        action_path="/rewards", action_label="See your rewards", topic="reward:k",
    )  # fmt: skip
    again = services.notify(
        db.session, user=owner, key="k", kind="reward", subject="S", body="B", now=NOW
    )
    db.session.commit()
    row = _row("k")
    assert (first, again) == (row.id, None)
    assert row.created_at == NOW
    assert (row.kind, row.action_path, row.action_label, row.topic) == (
        "reward",
        "/rewards",
        "See your rewards",
        "reward:k",
    )


# --- Which messages a run takes -------------------------------------------------------------


def _stored(owner, key, **values) -> Notification:
    row = Notification(
        user_id=owner.id, key=key, kind="event", subject=f"Subject {key}", body="Body",
        channel=values.pop("channel", "email"), created_at=NOW, **values,
    )  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


def test_a_run_takes_pending_retryable_and_stale_messages_and_nothing_else(make_owner):
    owner = make_owner()
    stale = NOW - STALE_CLAIM - timedelta(microseconds=1)
    fresh = NOW - STALE_CLAIM
    _stored(owner, "pending", status=DeliveryStatus.PENDING, attempts=0)
    _stored(owner, "failed-once", status=DeliveryStatus.FAILED, attempts=1, last_error="boom")
    _stored(owner, "failed-last-chance", status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS - 1)
    _stored(owner, "failed-for-good", status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS)
    _stored(owner, "stale", status=DeliveryStatus.SENDING, attempts=1, claimed_at=stale)
    _stored(owner, "in-flight", status=DeliveryStatus.SENDING, attempts=1, claimed_at=fresh)
    _stored(owner, "sent", status=DeliveryStatus.SENT, attempts=1, sent_at=NOW)
    _stored(owner, "inbox", status=DeliveryStatus.INBOX_ONLY, attempts=0, sent_at=NOW)
    mailer = FakeMailer()
    report = _deliver(mailer)
    assert (report.sent, report.failed) == (4, 0)
    assert [headers["X-Key"] for *_, headers in mailer.sent] == [
        "pending",
        "failed-once",
        "failed-last-chance",
        "stale",
    ]
    assert _state("pending") == (DeliveryStatus.SENT, 1, NOW, NOW, None)
    assert _state("failed-once") == (DeliveryStatus.SENT, 2, NOW, NOW, None)
    assert _state("failed-last-chance") == (DeliveryStatus.SENT, MAX_ATTEMPTS, NOW, NOW, None)
    assert _state("stale") == (DeliveryStatus.SENT, 2, NOW, NOW, None)
    assert _state("failed-for-good") == (DeliveryStatus.FAILED, MAX_ATTEMPTS, None, None, None)
    assert _state("in-flight") == (DeliveryStatus.SENDING, 1, fresh, None, None)
    assert _state("sent")[:2] == (DeliveryStatus.SENT, 1)
    assert _state("inbox")[:2] == (DeliveryStatus.INBOX_ONLY, 0)


def test_a_run_for_some_ids_leaves_every_other_message_pending(make_owner):
    olivia, sam = make_owner(), make_owner()
    mine = _stored(olivia, "mine", status=DeliveryStatus.PENDING, attempts=0)
    _stored(sam, "theirs", status=DeliveryStatus.PENDING, attempts=0)
    _stored(olivia, "later", status=DeliveryStatus.PENDING, attempts=0)
    mailer = FakeMailer()
    assert _deliver(mailer, only_ids=[mine.id]).sent == 1
    assert [to for to, *_ in mailer.sent] == [olivia.email]
    assert _state("mine")[0] == DeliveryStatus.SENT
    assert _state("theirs") == (DeliveryStatus.PENDING, 0, None, None, None)
    assert _state("later") == (DeliveryStatus.PENDING, 0, None, None, None)


def test_small_batches_send_every_message_exactly_once(make_owner):
    owners = [make_owner() for _ in range(5)]
    for number, owner in enumerate(owners):
        _stored(owner, f"m{number}", status=DeliveryStatus.PENDING, attempts=0)
    mailer = FakeMailer()
    report = _deliver(mailer, batch_size=2)
    assert (report.sent, report.failed) == (5, 0)
    assert [to for to, *_ in mailer.sent] == [owner.email for owner in owners]
    assert mailer.connections == 1
    assert {_state(f"m{n}")[:2] for n in range(5)} == {(DeliveryStatus.SENT, 1)}


def test_small_batches_walk_by_id_across_pending_and_retryable_messages(make_owner):
    owner = make_owner()
    for number in range(6):
        status = DeliveryStatus.FAILED if number % 2 else DeliveryStatus.PENDING
        _stored(owner, f"m{number}", status=status, attempts=number % 2)
    mailer = FakeMailer()
    assert _deliver(mailer, batch_size=2).sent == 6
    assert [headers["X-Key"] for *_, headers in mailer.sent] == [f"m{n}" for n in range(6)]


def test_a_batch_is_claimed_before_it_is_sent_and_the_next_waits(app, make_owner):
    owners = [make_owner() for _ in range(5)]
    for number, owner in enumerate(owners):
        _stored(owner, f"m{number}", status=DeliveryStatus.PENDING, attempts=0)
    engine = create_engine(db.engine.url)
    seen: list[tuple[int, int]] = []

    def count_claimed():
        with engine.connect() as connection:
            statuses = connection.scalars(select(Notification.status)).all()
        seen.append(
            (statuses.count(DeliveryStatus.SENDING), statuses.count(DeliveryStatus.PENDING))
        )

    try:
        _deliver(FakeMailer(on_send=count_claimed), batch_size=2)
    finally:
        engine.dispose()
    assert seen == [(2, 3), (2, 3), (2, 1), (2, 1), (1, 0)]


def test_a_failure_is_recorded_on_that_message_only_and_tried_once_per_run(make_owner):
    olivia, refused, sam = make_owner(), make_owner(), make_owner()
    for owner, key in ((olivia, "a"), (refused, "b"), (sam, "c")):
        _stored(owner, key, status=DeliveryStatus.PENDING, attempts=0)
    mailer = FakeMailer(refuse={refused.email})
    report = _deliver(mailer, batch_size=1)
    assert (report.sent, report.failed) == (2, 1)
    assert _state("b") == (
        DeliveryStatus.FAILED,
        1,
        NOW,
        None,
        f"ConnectionError: mailbox {refused.email} refused",
    )
    assert _state("a")[:2] == _state("c")[:2] == (DeliveryStatus.SENT, 1)
    # The next run tries it again, and a success clears the error.
    later = NOW + timedelta(minutes=5)
    assert _deliver(FakeMailer(), now=later).sent == 1
    assert _state("b") == (DeliveryStatus.SENT, 2, later, later, None)
    assert _state("a")[3] == NOW


def test_a_long_error_is_kept_to_two_thousand_characters(make_owner):
    owner = make_owner(email="x" * 40 + "@example.com")
    _stored(owner, "a", status=DeliveryStatus.PENDING, attempts=0)

    class Loud(FakeMailer):
        def send(self, *args, **kwargs):
            raise ValueError("e" * 3_000)

    _deliver(Loud())
    error = _state("a")[4]
    assert error == ("ValueError: " + "e" * 3_000)[:2_000]


def test_results_are_written_every_ten_messages(app, make_owner):
    owners = [make_owner() for _ in range(RESULTS_PER_COMMIT + 2)]
    for number, owner in enumerate(owners):
        _stored(owner, f"m{number:02d}", status=DeliveryStatus.PENDING, attempts=0)
    engine = create_engine(db.engine.url)
    seen: list[int] = []

    def count_sent():
        with engine.connect() as connection:
            seen.append(
                connection.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.status == DeliveryStatus.SENT)
                )
            )

    try:
        _deliver(FakeMailer(on_send=count_sent))
    finally:
        engine.dispose()
    assert seen == [0] * RESULTS_PER_COMMIT + [RESULTS_PER_COMMIT] * 2
    assert {_state(f"m{number:02d}")[:4] for number in range(12)} == {
        (DeliveryStatus.SENT, 1, NOW, NOW)
    }


def test_a_run_claims_two_hundred_messages_at_a_time(app, make_owner):
    owner = make_owner()
    notify_many(db.session, [_message(owner, f"m{number:03d}") for number in range(201)], NOW)
    db.session.commit()
    engine = create_engine(db.engine.url)
    first_send: list[int] = []

    def count_claimed():
        if not first_send:
            with engine.connect() as connection:
                first_send.append(
                    connection.scalar(
                        select(func.count())
                        .select_from(Notification)
                        .where(Notification.status == DeliveryStatus.SENDING)
                    )
                )

    try:
        assert _deliver(FakeMailer(on_send=count_claimed)).sent == 201
    finally:
        engine.dispose()
    assert first_send == [200]


class FileKeepingMailer(FakeMailer):
    """Also keeps the files each message carried, by address."""

    def __init__(self):
        super().__init__()
        self.files: dict[str, list] = {}

    def send(self, to, subject, text, html=None, headers=None, attachments=()):
        super().send(to, subject, text, html, headers)
        self.files[to] = list(attachments)


def test_emails_carry_their_files_a_failed_build_fails_only_that_message_texts_carry_none(
    make_owner,
):
    olivia, broken = make_owner(), make_owner()
    texter = make_owner(preferred_channel=ContactChannel.SMS, phone="+12025550123")
    for owner, key in ((olivia, "a"), (broken, "b")):
        _stored(owner, key, status=DeliveryStatus.PENDING, attempts=0)
    _stored(texter, "t", status=DeliveryStatus.PENDING, attempts=0, channel="sms")
    asked = []

    def files_for(notification):
        asked.append(notification.key)
        if notification.key == "b":
            raise LookupError("the event's file could not be read")
        return [Attachment("a.ics", b"BEGIN:VCALENDAR", "text", "calendar")]

    mailer, sms = FileKeepingMailer(), FakeSms()
    report = _deliver(mailer, sms, attachments_for=files_for)
    assert (report.sent, report.failed) == (2, 1)
    assert asked == ["a", "b"]  # a text carries no files, so none are built for it
    assert list(mailer.files) == [olivia.email]  # the broken message was never handed over
    [calendar] = mailer.files[olivia.email]
    assert (calendar.filename, calendar.content) == ("a.ics", b"BEGIN:VCALENDAR")
    assert _state("b") == (
        DeliveryStatus.FAILED,
        1,
        NOW,
        None,
        "LookupError: the event's file could not be read",
    )
    assert [to for to, _ in sms.sent] == ["+12025550123"]
    assert _state("a")[0] == _state("t")[0] == DeliveryStatus.SENT


# --- Text messages ----------------------------------------------------------------------------


def test_a_text_goes_to_the_owners_phone_cut_to_640_characters(make_owner):
    texter = make_owner(preferred_channel="sms", phone="+12025550123")
    mailer_user = make_owner()
    db.session.add(
        Notification(
            user_id=texter.id, key="t", kind="event", subject="Seat confirmed",
            body="b" * 700, channel="sms", status=DeliveryStatus.PENDING, attempts=0,
        )
    )  # fmt: skip
    _stored(mailer_user, "m", status=DeliveryStatus.PENDING, attempts=0)
    sms, mailer = FakeSms(), FakeMailer()
    assert _deliver(mailer, sms).sent == 2
    [(to, body)] = sms.sent
    assert to == "+12025550123"
    assert body == ("Seat confirmed: " + "b" * 700)[:640]
    assert [sent[0] for sent in mailer.sent] == [mailer_user.email]
    assert mailer.sent[0][1:] == ("Subject m", "text of m", "<p>m</p>", {"X-Key": "m"})


def test_a_text_without_a_phone_number_fails_politely(make_owner):
    texter = make_owner(preferred_channel="sms", phone=None)
    _stored(texter, "t", status=DeliveryStatus.PENDING, attempts=0, channel="sms")
    sms = FakeSms()
    assert _deliver(sms=sms).failed == 1
    assert sms.sent == []
    assert _state("t")[4] == "RuntimeError: no phone number on file for a text message"


# --- Reading and retrying -------------------------------------------------------------------


def test_marking_one_message_read_leaves_the_others_unread(make_owner):
    olivia, sam = make_owner(), make_owner()
    mine = _stored(olivia, "mine", status=DeliveryStatus.SENT)
    _stored(olivia, "mine-too", status=DeliveryStatus.SENT)
    _stored(sam, "theirs", status=DeliveryStatus.SENT)
    assert services.mark_read(db.session, mine.id, NOW) is True
    assert services.mark_read(db.session, mine.id, NOW + timedelta(hours=1)) is False
    db.session.commit()
    assert _row("mine").read_at == NOW
    assert _row("mine-too").read_at is None
    assert _row("theirs").read_at is None


def test_marking_all_read_counts_and_touches_only_the_owners_unread(make_owner):
    olivia, sam = make_owner(), make_owner()
    earlier = NOW - timedelta(days=1)
    _stored(olivia, "read", status=DeliveryStatus.SENT, read_at=earlier)
    _stored(olivia, "unread-1", status=DeliveryStatus.SENT)
    _stored(olivia, "unread-2", status=DeliveryStatus.SENT)
    _stored(sam, "theirs", status=DeliveryStatus.SENT)
    assert services.mark_all_read(db.session, olivia, NOW) == 2
    db.session.commit()
    assert [_row(key).read_at for key in ("read", "unread-1", "unread-2", "theirs")] == [
        earlier,
        NOW,
        NOW,
        None,
    ]
    assert services.mark_all_read(db.session, olivia, NOW) == 0


def test_retrying_one_failed_message_leaves_the_others_as_they_were(make_owner):
    owner = make_owner()
    failed = _stored(owner, "failed", status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS)
    _stored(owner, "also-failed", status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS)
    sent = _stored(owner, "sent", status=DeliveryStatus.SENT, attempts=1)
    assert services.retry_failed(db.session, failed.id) is True
    assert services.retry_failed(db.session, failed.id) is False
    assert services.retry_failed(db.session, sent.id) is False
    db.session.commit()
    assert _state("failed")[:2] == (DeliveryStatus.PENDING, 0)
    assert _state("also-failed")[:2] == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert _state("sent")[:2] == (DeliveryStatus.SENT, 1)


@pytest.mark.parametrize(("birthday", "kept"), [(date(1980, 2, 29), True), (None, False)])
def test_birthday_messages_need_a_known_birthday(make_owner, birthday, kept):
    owner = make_owner(birthday=birthday)
    services.save_consents(
        owner, consent_service=False, consent_event_invites=True, birthday_messages=True
    )
    assert (owner.consent_service, owner.consent_event_invites) == (False, True)
    assert owner.birthday_messages is kept
    services.save_consents(
        owner, consent_service=True, consent_event_invites=False, birthday_messages=False
    )
    assert (owner.consent_service, owner.consent_event_invites) == (True, False)
    assert owner.birthday_messages is False
