"""One calm voice: at most the weekly budget by email, the rest in one digest, nothing twice.

Daily `flask notify run`s against a real SMTP server (aiosmtpd on loopback), with the clock
moved to each morning.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.extensions import db
from portal.notifications import budget, services
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.services import Consent, notify
from tests.rendezvous import Rendezvous

FIRST_DAY = date(2026, 11, 1)


@pytest.fixture
def mailbox(app, smtp_server):
    """Mail goes to the real SMTP server; the server's messages, in arrival order."""
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server.messages


def _morning(day: date) -> datetime:
    """09:00 in New York (the test dealership's zone) on that day."""
    return datetime(day.year, day.month, day.day, 14, tzinfo=UTC)


def _run_daily(runner, mailbox: list, days: int) -> dict[date, list]:
    """`flask notify run` every morning from FIRST_DAY; what reached the mailbox each day."""
    arrived: dict[date, list] = {}
    seen = 0
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        with clock.frozen(_morning(day)):
            result = runner.invoke(args=["notify", "run"])
        assert result.exit_code == 0, result.output
        arrived[day] = list(mailbox[seen:])
        seen = len(mailbox)
    return arrived


@pytest.fixture
def five_services_due_in_one_week(make_owner, make_vehicle, add_service):
    """Sam's five cars: their services fall due on 1–5 December, so each becomes 'due soon'
    (30 days ahead) on one of 1–5 November."""
    sam = make_owner(name="Sam Okafor", email="sam@example.com")
    cars = []
    for number in range(5):
        car = make_vehicle(
            sam,
            nickname=f"Car {number + 1}",
            purchase_date=date(2025, 1, 10),
            purchase_odometer=None,
        )
        add_service(car, date(2026, 6, 1 + number))
        cars.append(car)
    return sam, cars


def test_five_reminders_in_one_week_make_two_emails_and_one_digest_never_a_repeat(
    runner, mailbox, five_services_due_in_one_week
):
    sam, cars = five_services_due_in_one_week
    arrived = _run_daily(runner, mailbox, 14)
    emails = [email for day in sorted(arrived) for email in arrived[day]]

    # Two reminders by email, the other three gathered in one digest.
    subjects = [email["Subject"] for email in emails]
    assert subjects == [
        "Sam, your Car 1 is due for a service",
        "Sam, your Car 2 is due for a service",
        "Sam, 3 more messages from us, in one note",
    ]
    digest = emails[2].get_body(("plain",)).get_content()
    for car in ("Car 3", "Car 4", "Car 5"):
        assert f"Sam, your {car} is due for a service" in digest
    assert "Car 1" not in digest and "Car 2" not in digest
    # Every reminder reached the mailbox exactly once, alone or in the digest.
    mentions = Counter(
        car.nickname
        for email in emails
        for car in cars
        if f"your {car.nickname} is" in email.get_body(("plain",)).get_content() + email["Subject"]
    )
    assert mentions == {car.nickname: 1 for car in cars}
    # No seven days ever held more than two emails.
    by_day = {day: len(found) for day, found in arrived.items()}
    for start in by_day:
        window = [by_day[d] for d in by_day if start <= d < start + timedelta(days=7)]
        assert sum(window) <= 2, by_day
    # The inbox had all five at once, the day each became due.
    db.session.expire_all()
    rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [row.kind for row in rows].count("service") == 5
    assert [row.created_at.date() for row in rows if row.kind == "service"] == [
        FIRST_DAY + timedelta(days=n) for n in range(5)
    ]
    statuses = Counter(row.status for row in rows)
    assert statuses == {DeliveryStatus.SENT: 3, DeliveryStatus.FOLDED: 3}
    [digest_row] = [row for row in rows if row.kind == "digest"]
    assert {row.digest_id for row in rows if row.status == DeliveryStatus.FOLDED} == {digest_row.id}
    assert sam.id == digest_row.user_id


def test_the_budget_is_the_dealerships_setting(runner, mailbox, five_services_due_in_one_week):
    from portal.dealership.services import write_settings

    write_settings(db.session, {"dealership.weekly_message_limit": 3})
    db.session.commit()
    arrived = _run_daily(runner, mailbox, 7)
    assert sum(len(found) for found in arrived.values()) == 3


def test_replies_to_what_the_owner_did_are_never_held_back(make_owner, app, mailbox):
    owner = make_owner(email="ada@example.com")
    now = clock.now()
    for number in range(3):
        notify(
            db.session,
            user=owner,
            key=f"budget-test:advice:{number}",
            kind="service",
            subject=f"Advice {number}",
            body="A tip for your car.",
            now=now,
            consent=Consent.SERVICE,
        )
    notify(
        db.session,
        user=owner,
        key="budget-test:visit-confirmation",
        kind="service",
        subject="We've received your visit request",
        body="The team will call you.",
        now=now,
    )
    db.session.commit()
    report = dispatch(weekly_limit=2)
    assert report.sent == 3
    assert [email["Subject"] for email in mailbox] == [
        "Advice 0",
        "Advice 1",
        "We've received your visit request",
    ]
    db.session.expire_all()
    folded = db.session.scalars(
        select(Notification.key).where(Notification.status == DeliveryStatus.FOLDED)
    ).all()
    assert folded == ["budget-test:advice:2"]
    # A second dispatch sends nothing more: the folded one waits for the digest.
    assert dispatch(weekly_limit=2).sent == 0


def _two_dispatchers_claim_at_once(app, monkeypatch, owner, lock_owners: bool) -> int:
    """Two dispatchers, each holding one of the owner's messages, reach the budget check
    together (weekly limit 1); how many of the two messages they let through."""
    now = clock.now()
    ids = [
        notify(
            db.session,
            user=owner,
            key=f"race:{lock_owners}:{number}",
            kind="service",
            subject=f"Advice {number}",
            body="A tip.",
            now=now,
            consent=Consent.SERVICE,
        )
        for number in range(2)
    ]
    db.session.commit()
    both_counted = Rendezvous(2)
    lock = budget._lock_owners

    def lock_after_meeting(session, user_ids):
        both_counted.meet()
        if lock_owners:
            lock(session, user_ids)

    monkeypatch.setattr(budget, "_lock_owners", lock_after_meeting)
    if not lock_owners:
        # Without the lock nothing orders them: both read the week's spend before either
        # commits, whatever the machine's load (with the lock the second waits at it instead).
        both_read = Rendezvous(2)
        spent = budget._spent

        def spent_then_meet(*args, **kwargs):
            counted = spent(*args, **kwargs)
            both_read.meet()
            return counted

        monkeypatch.setattr(budget, "_spent", spent_then_meet)
    route = partial(budget.route_claimed, weekly_limit=1)

    def claim(notification_id: int) -> list[int]:
        with app.app_context(), Session(db.engine) as session:
            return services._claim_batch(session, now, 10, [notification_id], 0, route)[1]

    with ThreadPoolExecutor(2) as pool:
        return sum(len(sent) for sent in pool.map(claim, ids))


def test_two_hosts_never_both_spend_an_owners_last_message(app, database, monkeypatch, make_owner):
    if database != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE runs claims one at a time; the race needs two")
    owner = make_owner()
    assert _two_dispatchers_claim_at_once(app, monkeypatch, owner, lock_owners=True) == 1


def test_control_without_the_owner_lock_two_hosts_do_overspend(
    app, database, monkeypatch, make_owner
):
    if database != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE runs claims one at a time; the race needs two")
    owner = make_owner()
    assert _two_dispatchers_claim_at_once(app, monkeypatch, owner, lock_owners=False) == 2
