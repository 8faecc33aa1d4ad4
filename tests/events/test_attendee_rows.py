"""The attendee list's rows, on the event's page and in the answers to a check-in or an undo
from the list, are the markup the templates gave (kept in `snapshots/attendee_rows/`), for an
event with every kind of row: coming, VIP, visitors, checked in with guests, queued,
cancelled, with answers old and new; and the page's rows and an action's row are the same.

The snapshots were taken from the templates' rows; whitespace runs count as one space, and
the ids, the event's number and the CSRF token are named rather than numbered. To take them
again (after a deliberate change of markup): `PORTAL_UPDATE_SNAPSHOTS=1 pytest <this file>`.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.events.question_models import RsvpAnswer, RsvpGuestName
from portal.events.services import questions
from portal.extensions import db
from tests.snapshots import matches_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots" / "attendee_rows"
HTMX = {"HX-Request": "true"}
#: A winter evening (EST): the clinic starts at 6 PM on 20 January 2026, New York time.
STARTS = datetime(2026, 1, 20, 23, 0, tzinfo=UTC)
#: When the list is read: the event's first minutes, when the door is open and undo too.
DURING = STARTS + timedelta(minutes=5)
#: The day after, when undoing a check-in is no longer offered.
DAY_AFTER = STARTS + timedelta(days=1, hours=6)
#: Before the door opens, when a check-in is refused with a note.
WEEK_BEFORE = STARTS - timedelta(days=7)


def _rsvp(event: Event, status: str, user_id: int | None = None, **values) -> Rsvp:
    row = Rsvp(event_id=event.id, status=status, waitlisted_at=clock.now(), user_id=user_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def gala(make_event, make_owner):
    """A clinic with a question of each kind (one since retired, one whose options changed),
    guests' names asked, and every kind of RSVP; {key: RSVP id} and the event."""
    with clock.frozen(STARTS - timedelta(days=20)):
        event = make_event("Winter <gala>", starts_at=STARTS, capacity=8, guests_allowed=2)
        event.ask_guest_names = True
        ask = {
            "diet": ("text", "Any dietary needs?", ""),
            "car": ("choice", "Which car", "Coupe\nSaloon\nEstate"),
            "note": ("text", "Anything else.", ""),
            "old": ("text", "Parking needed", ""),
        }
        asked = {
            key: questions.add_question(
                db.session, event, kind=kind, label=label, required=False, options_text=options
            ).question
            for key, (kind, label, options) in ask.items()
        }

        def owner(name: str, **values) -> int:
            return make_owner(name=name, **values).id

        rsvps = {
            "vip": _rsvp(
                event,
                RsvpStatus.CONFIRMED,
                owner('Ada <Vip> & "Co"', email="ada+vip@example.com"),
                via_reward=True,
            ),
            "arrived": _rsvp(
                event,
                RsvpStatus.ATTENDED,
                owner("Bo Arrived"),
                guests=2,
                checked_in_at=STARTS - timedelta(minutes=20),
                arrived_guests=1,
            ),
            "arrived_vip": _rsvp(
                event,
                RsvpStatus.ATTENDED,
                owner("Bea O'Hara"),
                via_reward=True,
                checked_in_at=STARTS - timedelta(minutes=3),
            ),
            "coming": _rsvp(event, RsvpStatus.CONFIRMED, owner("Cat Coming"), guests=1),
            "visitor": _rsvp(
                event,
                RsvpStatus.CONFIRMED,
                guest_name="Sam <b>Visitor</b>",
                guest_email="sam@x.org",
                guests=1,
            ),
            "visitor_in": _rsvp(
                event,
                RsvpStatus.ATTENDED,
                guest_name="Val Visitor",
                guest_email="val@x.org",
                checked_in_at=STARTS - timedelta(minutes=1),
            ),
            "queued_first": _rsvp(event, RsvpStatus.WAITLISTED, owner("Zed Queued"), guests=2),
            "queued_second": _rsvp(event, RsvpStatus.WAITLISTED, owner("Al Queued")),
            "gone": _rsvp(event, RsvpStatus.CANCELLED, owner("Di Gone"), via_reward=True),
        }
        answers = [
            ("vip", "diet", "Vegan & <nut-free>"),
            ("vip", "car", "Coupe"),
            ("vip", "note", 'Says "hi"'),
            ("arrived", "car", "Hatchback"),  # an option since dropped
            ("arrived", "old", "Yes"),  # a question since removed
            ("visitor", "diet", "None"),
            ("queued_first", "note", "Happy to wait"),
            ("gone", "diet", "Gluten-free"),
        ]
        for rsvp, question, value in answers:
            db.session.add(
                RsvpAnswer(rsvp_id=rsvps[rsvp].id, question_id=asked[question].id, value=value)
            )
        guest_names = [
            ("arrived", 1, "Eve <Guest>"),
            ("arrived", 2, "Finn Guest"),
            ("coming", 1, "Gil Guest"),
            ("coming", 2, "Not brought"),  # beyond the one guest they bring
            ("visitor", 1, "Hal Guest"),
        ]
        for rsvp, position, name in guest_names:
            db.session.add(RsvpGuestName(rsvp_id=rsvps[rsvp].id, position=position, name=name))
        questions.remove_question(db.session, asked["old"], clock.now())
        questions.update_question(
            db.session,
            asked["car"],
            label="Which car",
            required=False,
            options_text="Coupe\nSaloon",
        )
        event.seats_taken = 6
        db.session.commit()
    return {"event": event, **{key: row.id for key, row in rsvps.items()}}


def _named(html: str, gala: dict) -> str:
    """The markup with whitespace runs as one space, and ids, event number and token named."""
    names = {str(value): key for key, value in gala.items() if key != "event"}
    html = re.sub(r"\s+", " ", html).strip()
    html = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+"', r'\1TOKEN"', html)
    html = html.replace(f"/admin/events/{gala['event'].id}/", "/admin/events/EVENT/")
    return re.sub(
        r"(rsvp-|/rsvps/)(\d+)", lambda found: found.group(1) + names[found.group(2)], html
    )


def _tbody(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def _matches_snapshot(name: str, markup: str) -> None:
    matches_snapshot(SNAPSHOTS, name, markup)


@pytest.mark.parametrize(
    ("snapshot", "moment", "query"),
    [
        ("page_during", DURING, ""),
        ("page_day_after", DAY_AFTER, ""),
        ("page_week_before", WEEK_BEFORE, ""),
        ("page_waitlist_filter", DURING, "?show=waitlist"),
        ("page_search", DURING, "?q=visitor"),
    ],
)
def test_the_pages_rows_are_the_templates(
    client, login, coordinator, gala, snapshot, moment, query
):
    url = f"/admin/events/{gala['event'].id}{query}"
    with clock.frozen(moment):
        login(coordinator)
        page = client.get(url).text
        fragment = client.get(url, headers=HTMX).text
    rows = _named(_tbody(page), gala)
    _matches_snapshot(snapshot, rows)
    assert _named(_tbody(fragment), gala) == rows


@pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.DRAFT])
def test_an_event_not_open_has_rows_without_check_in(client, login, coordinator, gala, status):
    gala["event"].status = status
    db.session.commit()
    with clock.frozen(DURING):
        login(coordinator)
        page = client.get(f"/admin/events/{gala['event'].id}").text
    _matches_snapshot(f"page_{status}", _named(_tbody(page), gala))


@pytest.mark.parametrize(
    ("snapshot", "moment", "action", "key"),
    [
        ("check_in", DURING, "check-in", "vip"),
        ("check_in_visitor", DURING, "check-in", "visitor"),
        ("check_in_refused", WEEK_BEFORE, "check-in", "coming"),
        ("check_in_queued", DURING, "check-in", "queued_first"),
        ("check_in_again", DURING, "check-in", "arrived"),
        ("undo", DURING, "undo-check-in", "arrived"),
        ("undo_closed", DAY_AFTER, "undo-check-in", "arrived_vip"),
    ],
)
def test_a_rows_action_answers_with_the_templates_row_and_the_pages(
    client, login, coordinator, gala, snapshot, moment, action, key
):
    event_id = gala["event"].id
    with clock.frozen(moment):
        login(coordinator)
        answer = client.post(f"/admin/events/{event_id}/rsvps/{gala[key]}/{action}", headers=HTMX)
        page = client.get(f"/admin/events/{event_id}?per_page=50").text
    assert answer.status_code == 200
    markup = _named(answer.text, gala)
    _matches_snapshot(snapshot, markup)
    [row] = re.findall(r'<tr id="rsvp-[a-z_]+">.*?</tr>', markup)
    listed = re.findall(rf'<tr id="rsvp-{key}">.*?</tr>', _named(_tbody(page), gala))
    # The page shows the same row, less the note that only the action's answer carries (and
    # the queue place, which the answer does not look up).
    shown = re.sub(r' <p class="error" role="alert">.*?</p>', "", row)
    assert [shown] == [re.sub(r"Waitlist #\d+", "Waitlist", row) for row in listed]
