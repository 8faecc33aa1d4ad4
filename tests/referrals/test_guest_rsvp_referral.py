"""A friend who came through an invite link: the channel it was shared by, their RSVP, and
whether they came."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.events.models import Audience, Rsvp
from portal.events.services.checkin import check_in
from portal.extensions import db
from portal.referrals.models import Referral


def _confirm_path(outbox) -> str:
    text = outbox()[-1].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/events/visit/confirm/\S+", text).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _rsvp_through_invite(client, outbox, code, event, src="whatsapp", email="sam@example.org"):
    assert client.get(f"/i/{code}?src={src}").status_code == 200
    data = {"name": "Sam Rivera", "email": email, "guests": "0"}
    assert client.post(f"/events/{event.id}/visit", data=data).status_code == 303
    assert client.post(_confirm_path(outbox)).status_code == 303


def test_the_referral_records_the_rsvp_and_then_the_attendance(
    client, make_owner, invite_code, make_event, coordinator, outbox, login
):
    friend_of = make_owner(name="Priya Patel")
    event = make_event(
        title="Spring launch night",
        audience=Audience.PUBLIC,
        starts_at=clock.now() + timedelta(minutes=30),
    )
    _rsvp_through_invite(client, outbox, invite_code(friend_of), event)
    referral = db.session.scalar(select(Referral))
    rsvp = db.session.scalar(select(Rsvp))
    assert referral.referrer_id == friend_of.id and referral.email == "sam@example.org"
    assert referral.source == "whatsapp" and referral.rsvp_id == rsvp.id and referral.rsvped_at
    assert not referral.consent_contact  # an RSVP is not a request to hear about cars
    check_in(db.session, rsvp_id=rsvp.id, staff_id=coordinator.id, now=clock.now())
    db.session.commit()
    db.session.refresh(referral)
    assert referral.rsvp.checked_in_at is not None
    login(coordinator)
    pipeline = client.get("/admin/referrals").get_data(as_text=True)
    assert "Came to Spring launch night" in pipeline and "WhatsApp" in pipeline


def test_a_visitor_without_an_invite_makes_no_referral(client, make_event, outbox):
    event = make_event(audience=Audience.PUBLIC)
    client.post(f"/events/{event.id}/visit", data={"name": "Jo", "email": "jo@example.org"})
    client.post(_confirm_path(outbox))
    assert db.session.scalar(select(Rsvp)) is not None
    assert db.session.scalar(select(Referral)) is None


def test_a_known_prospects_referral_keeps_its_referrer_and_gains_the_rsvp(
    client, make_owner, invite_code, make_event, make_referral, outbox
):
    first = make_owner()
    known = make_referral(first, email="sam@example.org")
    _rsvp_through_invite(client, outbox, invite_code(make_owner()), make_event(audience="public"))
    db.session.refresh(known)
    assert known.referrer_id == first.id and known.rsvp_id is not None
    assert db.session.scalar(select(Referral).where(Referral.id != known.id)) is None


def test_the_landing_form_records_the_channel(client, make_owner, invite_code):
    code = invite_code(make_owner())
    client.get(f"/i/{code}?src=sms")
    form = {
        "name": "Lee Chen",
        "email": "lee@example.org",
        "preferred_contact": "email",
        "consent_contact": "y",
    }
    assert client.post(f"/i/{code}", data=form).status_code == 303
    assert db.session.scalar(select(Referral.source)) == "sms"


def test_an_unknown_channel_is_not_recorded(client, make_owner, invite_code, make_event, outbox):
    event = make_event(audience=Audience.PUBLIC)
    _rsvp_through_invite(client, outbox, invite_code(make_owner()), event, src="<script>")
    assert db.session.scalar(select(Referral.source)) is None


def test_invite_page_offers_every_channel_with_its_own_source(client, login, make_owner):
    login(make_owner())
    html = client.get("/invite").get_data(as_text=True)
    assert "data-share=" in html and " hidden>Share" in html  # shown by JS where supported
    assert 'href="sms:?&amp;body=' in html and "src%3Dsms" in html
    assert 'href="https://wa.me/?text=' in html and "src%3Dwhatsapp" in html
    assert 'href="mailto:?subject=' in html and "src%3Demail" in html
    assert "?src=copy</textarea>" in html


def test_pipeline_counts_referrals_per_channel(client, login, coordinator, make_referral):
    for source in ("sms", "sms", "whatsapp", None):
        referral = make_referral()
        referral.source = source
    db.session.commit()
    login(coordinator)
    html = client.get("/admin/referrals").get_data(as_text=True)
    counts = re.search(r'class="source-counts">(.*?)</p>', html, re.S).group(1)
    assert re.search(r'Text message <span class="count">2</span>', counts)
    assert re.search(r'WhatsApp <span class="count">1</span>', counts)
    assert re.search(r'Not known <span class="count">1</span>', counts)
