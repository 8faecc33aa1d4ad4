"""Check-in at the door: a ticket's link changes nothing, the window, once only, undo."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEntry
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.events.models import Rsvp, RsvpStatus
from portal.events.services import checkin
from portal.events.tokens import TICKET, derive_token
from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from tests.factories import TZ

HTMX = {"HX-Request": "true"}
LOCAL = ZoneInfo(TZ)


def _six_pm_in_ten_days() -> datetime:
    """The start of the test's event: 6 PM at the dealership, ten days from now."""
    day = clock.now().astimezone(LOCAL).date() + timedelta(days=10)
    return datetime.combine(day, time(18, 0), tzinfo=LOCAL)


@pytest.fixture
def door(app, make_event, make_owner, make_coordinator, rsvp_as):
    """An evening event with Priya booked for two guests, and Dana on the door."""
    start = _six_pm_in_ten_days()
    event = make_event(starts_at=start, guests_allowed=2)
    owner = make_owner(name="Priya Patel")
    rsvp = rsvp_as(owner, event, guests=2)
    code = derive_token(app.config["SECRET_KEY"], TICKET, rsvp.ticket_nonce)
    dana = make_coordinator(name="Dana Whitfield")
    return {
        "event": event,
        "owner": owner,
        "rsvp": rsvp,
        "code": code,
        "dana": dana,
        "start": start,
    }


@pytest.fixture
def sign_in(client, login, door):
    """Sign a member of staff in on the event's day (a login lasts a working day)."""

    def sign_in_as(user):
        with clock.frozen(door["start"] - timedelta(hours=3)):
            client.post("/logout")
            login(user)

    return sign_in_as


def _rsvp(rsvp_id: int) -> Rsvp:
    db.session.expire_all()
    return db.session.get(Rsvp, rsvp_id)


def _ledger(user_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(PointsEntry.points)
            .where(PointsEntry.user_id == user_id)
            .order_by(PointsEntry.id)
        )
    )


def _text(html: str) -> str:
    """What a person reads: the tags taken out, the spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _audits(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEntry.action == action))


def test_opening_a_ticket_shows_it_with_a_check_in_button_and_changes_nothing(
    client, sign_in, door
):
    sign_in(door["dana"])
    with clock.frozen(door["start"] - timedelta(minutes=30)):
        page = client.get(f"/admin/events/checkin/{door['code']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Priya Patel" in html and "them and 2 guests" in html
    assert f'method="post" action="/admin/events/checkin/{door["code"]}"' in html
    assert "Check in Priya" in html
    rsvp = _rsvp(door["rsvp"].id)
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.checked_in_at is None
    assert _ledger(door["owner"].id) == [] and _audits("rsvp.check_in") == 0


def test_check_in_before_the_window_is_refused_with_when_it_opens(client, sign_in, door):
    sign_in(door["dana"])
    path = f"/admin/events/checkin/{door['code']}"
    with clock.frozen(door["start"] - timedelta(hours=2, minutes=1)):
        shown = client.get(path).get_data(as_text=True)
        refused = client.post(path, data={"guests": "2"})
    assert "opens on" in shown and "4:00 PM EST , 2 hours before the start" in _text(shown)
    assert "Check in Priya" not in shown
    assert refused.status_code == 422
    assert "Check-in for Winter care clinic opens on" in refused.get_data(as_text=True)
    assert _rsvp(door["rsvp"].id).status == RsvpStatus.CONFIRMED
    assert _ledger(door["owner"].id) == []


def test_the_window_opens_the_set_hours_before_and_closes_at_the_end_of_the_day(door):
    rsvp_id, start = door["rsvp"].id, door["start"]
    write_settings(db.session, {"dealership.check_in_opens_hours": 3})
    db.session.commit()
    with pytest.raises(ServiceError, match="closed at the end of its day"):
        checkin.check_in(
            db.session, rsvp_id=rsvp_id, staff_id=door["dana"].id, now=start + timedelta(hours=6)
        )
    db.session.rollback()
    with pytest.raises(ServiceError, match="3 hours before the start"):
        checkin.check_in(
            db.session, rsvp_id=rsvp_id, staff_id=door["dana"].id, now=start - timedelta(hours=4)
        )
    db.session.rollback()
    done = checkin.check_in(
        db.session, rsvp_id=rsvp_id, staff_id=door["dana"].id, now=start - timedelta(hours=3)
    )
    db.session.commit()
    assert done.first_time and done.rsvp.status == RsvpStatus.ATTENDED


def test_check_in_records_who_when_and_the_guests_and_a_second_scan_reports_it(
    client, sign_in, door, make_coordinator
):
    path = f"/admin/events/checkin/{door['code']}"
    sign_in(door["dana"])
    with clock.frozen(door["start"] + timedelta(minutes=2)):
        done = client.post(path, data={"guests": "1"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Priya Patel is checked in with 1 guest." in html
    rsvp = _rsvp(door["rsvp"].id)
    assert rsvp.status == RsvpStatus.ATTENDED and rsvp.arrived_guests == 1
    assert rsvp.checked_in_by_id == door["dana"].id
    assert rsvp.checked_in_at == door["start"] + timedelta(minutes=2)

    sign_in(make_coordinator(name="Sam Rivera"))
    with clock.frozen(door["start"] + timedelta(minutes=20)):
        scanned = client.get(path).get_data(as_text=True)
        again = client.post(path, data={"guests": "2"}, follow_redirects=True)
    assert "Already checked in" in scanned and "6:02 PM EST" in scanned and "by Dana" in scanned
    assert "Priya Patel was already checked in at 6:02 PM EST by Dana." in again.get_data(
        as_text=True
    )
    assert _rsvp(door["rsvp"].id).arrived_guests == 1
    assert _ledger(door["owner"].id) == [50]
    assert _audits("rsvp.check_in") == 1


def test_more_guests_than_booked_are_refused_next_to_the_field(client, sign_in, door):
    sign_in(door["dana"])
    with clock.frozen(door["start"]):
        refused = client.post(f"/admin/events/checkin/{door['code']}", data={"guests": "3"})
    assert refused.status_code == 422
    assert "booked for 2 guests; count between 0 and 2" in refused.get_data(as_text=True)
    assert _rsvp(door["rsvp"].id).status == RsvpStatus.CONFIRMED


def test_a_forged_ticket_is_not_found(client, sign_in, door):
    sign_in(door["dana"])
    assert client.get("/admin/events/checkin/forged-code").status_code == 404
    assert client.post("/admin/events/checkin/forged-code").status_code == 404


def test_check_in_from_the_list_swaps_the_row_and_says_why_not(client, sign_in, door):
    sign_in(door["dana"])
    path = f"/admin/events/{door['event'].id}/rsvps/{door['rsvp'].id}/check-in"
    with clock.frozen(door["start"] - timedelta(hours=3)):
        early = client.post(path, headers=HTMX).get_data(as_text=True)
    assert "opens on" in early and _rsvp(door["rsvp"].id).status == RsvpStatus.CONFIRMED
    with clock.frozen(door["start"]):
        row = client.post(path, headers=HTMX).get_data(as_text=True)
        plain = client.post(path)
        page = client.get(plain.headers["Location"]).get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="rsvp-{door["rsvp"].id}">') and "✓" in row
    assert plain.status_code == 303
    assert "already checked in at 6:00 PM EST by Dana" in page
    assert _rsvp(door["rsvp"].id).arrived_guests == 2  # the one-tap button: everyone booked


def test_check_in_counts_once_and_awards_the_points_once(door):
    for _ in range(2):
        checkin.check_in(
            db.session, rsvp_id=door["rsvp"].id, staff_id=door["dana"].id, now=door["start"]
        )
    db.session.commit()
    [entry] = db.session.scalars(select(PointsEntry)).all()
    assert entry.reason == "Came to Winter care clinic" and entry.points == 50


def test_undo_reverses_the_points_with_a_line_of_its_own_and_keeps_the_seat(client, sign_in, door):
    path = f"/admin/events/checkin/{door['code']}"
    sign_in(door["dana"])
    with clock.frozen(door["start"] + timedelta(minutes=2)):
        client.post(path, data={"guests": "2"})
        shown = client.get(path).get_data(as_text=True)
        undone = client.post(f"{path}/undo", follow_redirects=True).get_data(as_text=True)
    assert "Undo check-in" in shown
    assert "Undone: Priya Patel is no longer checked in" in undone
    rsvp = _rsvp(door["rsvp"].id)
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.checked_in_at is None
    assert rsvp.checked_in_by_id is None and rsvp.arrived_guests is None
    assert _ledger(door["owner"].id) == [50, -50]
    assert points_balance(db.session, door["owner"].id) == 0
    assert _audits("rsvp.undo_check_in") == 1

    with clock.frozen(door["start"] + timedelta(minutes=5)):
        client.post(path, data={"guests": "1"})
    assert _ledger(door["owner"].id) == [50, -50, 50]
    with clock.frozen(door["start"] + timedelta(hours=7)):
        late = client.post(f"{path}/undo", follow_redirects=True).get_data(as_text=True)
    assert "only be undone on the day of the event" in late
    assert _rsvp(door["rsvp"].id).status == RsvpStatus.ATTENDED
    assert points_balance(db.session, door["owner"].id) == 50


def test_undoing_twice_reverses_once(door):
    rsvp_id, dana = door["rsvp"].id, door["dana"]
    checkin.check_in(db.session, rsvp_id=rsvp_id, staff_id=dana.id, now=door["start"])
    checkin.undo_check_in(db.session, rsvp_id=rsvp_id, now=door["start"])
    db.session.commit()
    with pytest.raises(ServiceError, match="not checked in"):
        checkin.undo_check_in(db.session, rsvp_id=rsvp_id, now=door["start"])
    db.session.rollback()
    assert _ledger(door["owner"].id) == [50, -50]


def test_the_check_in_page_finds_people_by_name_email_number_and_scanned_ticket(
    app, client, sign_in, door, make_owner, rsvp_as, make_event
):
    event, rsvp = door["event"], door["rsvp"]
    rsvp_as(make_owner(name="Tomás Oduya", email="tomas@example.com"), event)
    other = rsvp_as(make_owner(name="Elsewhere Person"), make_event(title="Spring launch"))
    other_code = derive_token(app.config["SECRET_KEY"], TICKET, other.ticket_nonce)
    sign_in(door["dana"])
    path = f"/admin/events/{event.id}/door"
    with clock.frozen(door["start"]):
        page = client.get(path).get_data(as_text=True)
        searches = {
            q: client.get(path, query_string={"q": q}, headers=HTMX).get_data(as_text=True)
            for q in (
                "priya pat",
                "TOMAS@EXAMPLE",
                f"No. {rsvp.id:06d}",
                door["code"],
                f"https://club.example/admin/events/checkin/{door['code']}",
                other_code,
                "nobody-here",
            )
        }
    assert "Still to arrive" in page and "Priya Patel" in page and "Tomás Oduya" in page
    assert "0 of 4 people in 0 of 2 tickets" in _text(page)
    assert "<html" not in searches["priya pat"]
    assert "Priya Patel" in searches["priya pat"] and "Tomás" not in searches["priya pat"]
    assert "Tomás Oduya" in searches["TOMAS@EXAMPLE"] and "Priya" not in searches["TOMAS@EXAMPLE"]
    for q in (
        f"No. {rsvp.id:06d}",
        door["code"],
        f"https://club.example/admin/events/checkin/{door['code']}",
    ):
        assert "Priya Patel" in searches[q] and "Tomás" not in searches[q], q
    assert "That ticket is for Spring launch" in searches[other_code]
    assert "Nobody at this event matches" in searches["nobody-here"]
    assert _rsvp(rsvp.id).status == RsvpStatus.CONFIRMED


def test_checking_in_at_the_door_updates_the_card_and_the_counts(client, sign_in, door):
    event, rsvp = door["event"], door["rsvp"]
    sign_in(door["dana"])
    base = f"/admin/events/{event.id}/door/{rsvp.id}"
    with clock.frozen(door["start"] + timedelta(minutes=2)):
        card = client.post(f"{base}/check-in", data={"guests": "1", "q": "priya"}, headers=HTMX)
        again = client.post(f"{base}/check-in", data={"q": "priya"}, headers=HTMX)
        undone = client.post(f"{base}/undo", data={"q": "priya"}, headers=HTMX)
        plain = client.post(f"{base}/check-in", data={"guests": "2", "q": "priya"})
    html = card.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="door-card is-in" id="door-rsvp-{rsvp.id}">')
    assert "✓ In at" in html and "by Dana, with 1 guest" in html
    assert 'id="door-counts"' in html and 'hx-swap-oob="true"' in html
    assert "2 of 3 people in" in _text(html)
    assert "was already checked in at 6:02 PM EST by Dana" in again.get_data(as_text=True)
    assert "Check in" in undone.get_data(as_text=True)
    assert "0 of 3 people in" in _text(undone.get_data(as_text=True))
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/admin/events/{event.id}/door?q=priya")
    assert _ledger(door["owner"].id) == [50, -50, 50]


def test_the_check_in_page_before_the_window_shows_when_it_opens_and_no_buttons(
    client, sign_in, door
):
    sign_in(door["dana"])
    with clock.frozen(door["start"] - timedelta(hours=3)):
        page = client.get(f"/admin/events/{door['event'].id}/door").get_data(as_text=True)
    assert "opens on" in page and "Priya Patel" in page
    assert "door/" + str(door["rsvp"].id) + "/check-in" not in page
