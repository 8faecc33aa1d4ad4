"""Invite links: the owner's page, hashed codes, regeneration, and the prospect's landing page."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.referrals.models import InviteCode, Referral
from portal.security import hash_token


def _code_from_invite_page(html: str) -> str:
    return re.search(r">http://localhost/i/([A-Za-z0-9_-]+)(?:\?src=copy)?</textarea>", html).group(
        1
    )


def test_invite_page_shows_link_qr_copy_button_and_share_text(client, login, make_owner):
    owner = make_owner(name="Priya Patel")
    login(owner)
    response = client.get("/invite")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    code = _code_from_invite_page(html)
    assert 'data-copy="invite-link"' in html
    assert 'src="data:image/svg+xml' in html
    assert f"here&#39;s my personal link: http://localhost/i/{code}" in html
    assert "mailto:?subject=" in html


def test_code_carries_at_least_128_bits_and_only_its_hash_is_stored(client, login, make_owner):
    owner = make_owner()
    login(owner)
    code = _code_from_invite_page(client.get("/invite").get_data(as_text=True))
    assert len(code) * 6 >= 128
    invite = db.session.scalar(select(InviteCode).where(InviteCode.user_id == owner.id))
    assert invite.code_hash == hash_token(code)
    assert code not in (invite.seed, invite.code_hash)
    # The same link is shown on every visit.
    assert _code_from_invite_page(client.get("/invite").get_data(as_text=True)) == code


def test_landing_greets_with_the_referrers_first_name_only(client, make_owner, invite_code):
    owner = make_owner(name="Priya Okonkwo-Patel")
    response = client.get(f"/i/{invite_code(owner)}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Priya thought you'd like to meet us" in html
    assert "Okonkwo" not in html
    assert 'name="consent_contact"' in html


def test_unknown_and_valid_codes_give_the_same_page_but_the_greeting(
    client, make_owner, invite_code
):
    owner = make_owner(name="Priya Patel")
    valid = client.get(f"/i/{invite_code(owner)}").get_data(as_text=True)
    unknown = client.get("/i/not-a-real-code-at-all-xxxxxxxxxx").get_data(as_text=True)

    def shape(html: str) -> list[str]:
        return re.findall(r"<(form|input|button|label|select|textarea|section)\b", html)

    assert shape(valid) == shape(unknown)
    assert "Welcome to" in unknown and "Priya" not in unknown


def test_regenerating_the_link_makes_the_old_one_generic(client, login, make_owner):
    owner = make_owner(name="Priya Patel")
    login(owner)
    old = _code_from_invite_page(client.get("/invite").get_data(as_text=True))
    response = client.post("/invite/regenerate")
    assert response.status_code == 303
    new = _code_from_invite_page(client.get("/invite").get_data(as_text=True))
    assert new != old
    assert "Priya" not in client.get(f"/i/{old}").get_data(as_text=True)
    assert "Priya thought" in client.get(f"/i/{new}").get_data(as_text=True)


def test_landing_form_works_without_javascript_or_an_account(client, make_owner, invite_code):
    owner = make_owner(name="Priya Patel")
    code = invite_code(owner)
    response = client.post(
        f"/i/{code}",
        data={
            "name": "Jamie Fraser",
            "email": "Jamie@Example.net",
            "phone": "",
            "preferred_contact": "phone",
            "model_of_interest": "Electric SUV",
            "consent_contact": "y",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/i/{code}/thanks"
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you, Jamie." in thanks
    referral = db.session.scalar(select(Referral))
    assert (referral.referrer_id, referral.email, referral.stage) == (
        owner.id,
        "jamie@example.net",
        "invited",
    )


def test_an_enquiry_through_an_unknown_link_is_kept_without_a_referrer(client):
    response = client.post(
        "/i/unknown-code-xxxxxxxxxxxxxxxxxxxx",
        data={
            "name": "Jamie Fraser",
            "email": "jamie@example.net",
            "preferred_contact": "email",
            "consent_contact": "y",
        },
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Referral.referrer_id)) is None


def test_landing_form_is_rate_limited_per_address(client, make_owner, invite_code):
    code = invite_code(make_owner())
    statuses = [
        client.post(f"/i/{code}", data={"name": "", "email": ""}).status_code for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_landing_page_is_rate_limited_per_address(client):
    statuses = [client.get("/i/some-code").status_code for _ in range(61)]
    assert statuses[-1] == 429 and set(statuses[:60]) == {200}


def test_landing_lists_public_events_only(client, make_owner, invite_code, make_event):
    from portal.events.models import Audience

    make_event(title="Spring launch night", audience=Audience.PUBLIC)
    make_event(title="Owners' breakfast", audience=Audience.OWNERS)
    html = client.get(f"/i/{invite_code(make_owner())}").get_data(as_text=True)
    assert "Spring launch night" in html
    assert "Owners&#39; breakfast" not in html and "Owners' breakfast" not in html


def test_landing_lists_only_events_a_visitor_could_still_join(
    client, make_owner, invite_code, make_event
):
    from portal.events.models import Audience

    now = clock.now()
    make_event(title="Open launch night", audience=Audience.PUBLIC, seats_taken=4)
    make_event(title="Full clinic", audience=Audience.PUBLIC, seats_taken=10, days=12)
    make_event(
        title="Closed clinic",
        audience=Audience.PUBLIC,
        seats_taken=10,
        days=14,
        rsvp_closes_at=now + timedelta(hours=1),
    )
    make_event(title="Started drive", audience=Audience.PUBLIC, starts_at=now + timedelta(hours=1))
    with clock.frozen(now + timedelta(hours=2)):
        html = client.get(f"/i/{invite_code(make_owner())}").get_data(as_text=True)
    assert "Open launch night" in html and "6 places left" in html
    assert "Full clinic" in html and "full, with a waitlist" in html
    assert "Closed clinic" not in html  # full, and its waitlist closed with its RSVPs
    assert "Started drive" not in html


def test_landing_fetches_only_the_events_it_shows(
    client, make_owner, invite_code, make_event, count_queries
):
    from portal.events.models import Audience

    for number in range(6):
        make_event(title=f"Public night {number}", audience=Audience.PUBLIC, days=10 + number)
    path = f"/i/{invite_code(make_owner())}"
    client.get(path)
    with count_queries() as statements:
        html = client.get(path).get_data(as_text=True)
    assert "Public night 3" in html and "Public night 4" not in html
    events = [sql for sql in statements if "FROM events" in sql]
    assert len(events) == 1 and "LIMIT" in events[0]
    assert "description" not in events[0] and "rsvps" not in events[0]
