"""A visitor without an account RSVPs on a phone: asks, opens the emailed link, confirms."""

import re

import pytest

from portal.events.models import Audience, Rsvp, RsvpStatus
from portal.extensions import db

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def _link(message, part: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://\S+{part}\S+", text).group(0)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_rsvps_confirms_from_the_email_and_cancels_on_a_phone(
    app, live_server, browser_page, axe_check, make_event, smtp_server
):
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PORTAL_BASE_URL=live_server,
    )
    event_id = make_event(title="Spring launch night", audience=Audience.PUBLIC, capacity=5).id
    # The live server needs the write lock a test's open transaction would hold (SQLite).
    db.session.commit()
    page = browser_page
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/events/{event_id}")
    _fits(page)
    axe_check(page)
    page.get_by_label("Your name").fill("Sam Rivera")
    page.get_by_label("Your email").fill("sam.rivera@example.org")
    page.get_by_role("button", name="Email me a confirmation link").click()
    page.get_by_text("We've emailed sam.rivera@example.org a link").wait_for()
    assert db.session.scalar(db.select(Rsvp)) is None  # asked, not yet holding a seat
    db.session.rollback()

    [request] = smtp_server.messages
    page.goto(_link(request, "/events/visit/confirm/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your place"
    _fits(page)
    axe_check(page)
    page.get_by_role("button", name="Confirm my place").click()
    page.get_by_text("You're in: your place is confirmed").wait_for()
    db.session.expire_all()
    rsvp = db.session.scalar(db.select(Rsvp))
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.guest_name == "Sam Rivera"
    rsvp_id = rsvp.id
    db.session.rollback()

    booked = smtp_server.messages[-1]
    assert booked["Subject"].startswith("You're booked: Spring launch night")
    assert any(part.get_content_type() == "text/calendar" for part in booked.iter_attachments())
    page.goto(_link(booked, "/events/visit/cancel/"))
    _fits(page)
    axe_check(page)
    page.get_by_role("button", name="Cancel my place").click()
    page.get_by_text("Your place is cancelled").wait_for()
    db.session.expire_all()
    assert db.session.get(Rsvp, rsvp_id).status == RsvpStatus.CANCELLED
