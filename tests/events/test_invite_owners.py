"""'Invite matching owners' previews who and what, sends nothing, then sends to exactly that set."""

import re

from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.events.services import invitations
from portal.extensions import db
from portal.notifications.models import Notification
from tests.factories import TZ


def _mx5_event(make_event, **values):
    return make_event(title="MX-5 owners' meet", target_make="Mazda", target_model="MX-5", **values)


def _mx5_owner(make_owner, make_vehicle, name: str, **values):
    owner = make_owner(name=name, **values)
    make_vehicle(owner, make="Mazda", model="MX-5", year=2020)
    return owner


def _invited() -> list[int]:
    return list(
        db.session.scalars(
            select(Notification.user_id)
            .where(Notification.kind == "event_invite")
            .order_by(Notification.user_id)
        )
    )


def _owners_field(html: str) -> str:
    return re.search(r'name="owners" type="hidden" value="([0-9 ]*)"', html).group(1)


def test_the_preview_shows_count_sample_and_message_and_sends_nothing(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    names = [f"Owner {letter}" for letter in "LKJIHGFEDCBA"]
    for name in names:
        _mx5_owner(make_owner, make_vehicle, name)
    make_owner(name="Owner Without MX5")
    _mx5_owner(make_owner, make_vehicle, "Owner Said No", consent_event_invites=False)
    login(make_coordinator())
    response = client.get(f"/admin/events/{event.id}/invite")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "12 owners will be invited" in html
    listed = re.findall(r"<li>(Owner [A-Z])</li>", html)
    assert listed == sorted(names)[:10]
    assert "and 2 more." in html
    assert "Owner Without MX5" not in html and "Owner Said No" not in html
    assert "You&#39;re invited: MX-5 owners&#39; meet" in html
    assert "Hello Owner," in html and "made for owners of a Mazda MX-5, like you" in html
    assert "Send 12 invitations" in html
    assert len(_owners_field(html).split()) == 12
    assert _invited() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_confirming_sends_to_exactly_the_previewed_owners_and_audits_it(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    owners = [_mx5_owner(make_owner, make_vehicle, f"Owner {n}") for n in range(3)]
    login(make_coordinator())
    field = _owners_field(client.get(f"/admin/events/{event.id}/invite").text)
    response = client.post(f"/admin/events/{event.id}/invite", data={"owners": field})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/events/{event.id}"
    assert _invited() == sorted(owner.id for owner in owners)
    assert "Invited 3 owners." in client.get(f"/admin/events/{event.id}").text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.invite"))
    assert entry.after["invitations"] == 3
    assert sorted(entry.after["owners"]) == sorted(owner.id for owner in owners)
    assert entry.after["invitable_but_not_previewed"] == 0


def test_an_owner_who_matches_only_after_the_preview_is_not_invited_by_it(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    previewed = _mx5_owner(make_owner, make_vehicle, "Priya Patel")
    latecomer = make_owner(name="Marcus Reyes")
    login(make_coordinator())
    field = _owners_field(client.get(f"/admin/events/{event.id}/invite").text)
    make_vehicle(latecomer, make="Mazda", model="MX-5", year=2021)  # bought one meanwhile
    client.post(f"/admin/events/{event.id}/invite", data={"owners": field})
    assert _invited() == [previewed.id]
    page = client.get(f"/admin/events/{event.id}").text
    assert "1 more owner matches now but wasn&#39;t in the preview" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.invite"))
    assert entry.after["invitable_but_not_previewed"] == 1
    # A fresh preview offers exactly the newcomer.
    again = client.get(f"/admin/events/{event.id}/invite").text
    assert "1 owner will be invited" in again and "Marcus Reyes" in again
    assert _owners_field(again) == str(latecomer.id)


def test_a_previewed_owner_who_rsvped_meanwhile_is_left_out(
    client, login, make_coordinator, make_owner, make_vehicle, make_event, rsvp_as
):
    event = _mx5_event(make_event)
    staying = _mx5_owner(make_owner, make_vehicle, "Priya Patel")
    answered = _mx5_owner(make_owner, make_vehicle, "Elena Novak")
    login(make_coordinator())
    field = _owners_field(client.get(f"/admin/events/{event.id}/invite").text)
    rsvp_as(answered, event)
    client.post(f"/admin/events/{event.id}/invite", data={"owners": field})
    assert _invited() == [staying.id]
    page = client.get(f"/admin/events/{event.id}").text
    assert "1 owner from the preview has answered or can&#39;t be invited now" in page


def test_a_double_confirm_sends_once(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    _mx5_owner(make_owner, make_vehicle, "Priya Patel")
    login(make_coordinator())
    field = _owners_field(client.get(f"/admin/events/{event.id}/invite").text)
    client.post(f"/admin/events/{event.id}/invite", data={"owners": field})
    client.post(f"/admin/events/{event.id}/invite", data={"owners": field})
    assert len(_invited()) == 1
    assert "nothing was sent" in client.get(f"/admin/events/{event.id}").text
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_an_id_that_does_not_match_is_never_invited(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    suited = _mx5_owner(make_owner, make_vehicle, "Priya Patel")
    other = make_owner(name="No Mazda")
    login(make_coordinator())
    client.post(f"/admin/events/{event.id}/invite", data={"owners": f"{suited.id} {other.id}"})
    assert _invited() == [suited.id]


def test_a_spoiled_confirmation_sends_nothing_and_offers_a_fresh_preview(
    client, login, make_coordinator, make_owner, make_vehicle, make_event
):
    event = _mx5_event(make_event)
    _mx5_owner(make_owner, make_vehicle, "Priya Patel")
    login(make_coordinator())
    for spoiled in ("", "1;2", "1\x002", "9" * 2_000_000):
        response = client.post(f"/admin/events/{event.id}/invite", data={"owners": spoiled})
        assert response.status_code in (303, 413)
    assert response.status_code == 413 or "/invite" in response.headers["Location"]
    assert _invited() == []


def test_nobody_to_invite_says_so_without_a_send_button(
    client, login, make_coordinator, make_owner, make_event
):
    event = make_event()
    make_owner(consent_event_invites=False)
    login(make_coordinator())
    html = client.get(f"/admin/events/{event.id}/invite").text
    assert "Nobody to invite right now" in html and "Send" not in html


def test_a_draft_cannot_be_previewed(client, login, make_coordinator, make_event):
    event = make_event(status="draft")
    login(make_coordinator())
    response = client.get(f"/admin/events/{event.id}/invite")
    assert response.status_code == 303
    assert (
        "Publish the event before inviting owners." in client.get(response.headers["Location"]).text
    )


def test_owners_cannot_preview_or_send(client, login, make_owner, make_event):
    event = make_event()
    owner = make_owner()
    login(owner)
    assert client.get(f"/admin/events/{event.id}/invite").status_code == 403
    assert (
        client.post(f"/admin/events/{event.id}/invite", data={"owners": str(owner.id)}).status_code
        == 403
    )
    assert _invited() == []


def test_the_preview_reads_in_a_fixed_number_of_statements(
    make_owner, make_vehicle, make_event, count_queries
):
    event = _mx5_event(make_event)
    for number in range(3):
        _mx5_owner(make_owner, make_vehicle, f"Owner {number}")
    db.session.refresh(event)
    with count_queries() as few:
        invitations.preview_invitations(db.session, event, tz=TZ, event_url="/e")
    for number in range(20):
        _mx5_owner(make_owner, make_vehicle, f"Later Owner {number}")
    db.session.refresh(event)
    with count_queries() as many:
        preview = invitations.preview_invitations(db.session, event, tz=TZ, event_url="/e")
    assert preview.count == 23 and len(preview.sample) == invitations.SAMPLE_SIZE
    assert len(many) == len(few) == 2
