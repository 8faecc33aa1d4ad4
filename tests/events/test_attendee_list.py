"""The staff's attendee list in pages: the rest on the next page, a search and the filters
across every page (htmx and plain links), the order kept, each kind of row as staff read it,
and a fixed number of statements."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from markupsafe import escape

from portal import clock
from portal.events import attendee_list
from portal.events.links import EVENT_LINKS
from portal.events.models import EventStatus, Rsvp, RsvpStatus
from portal.events.question_models import RsvpAnswer, RsvpGuestName
from portal.events.services import broadcasts, questions
from portal.extensions import db
from tests.factories import TZ

HTMX = {"HX-Request": "true"}
#: Queued in this order, which is not their names' order.
QUEUED = ["Queued Cy", "Queued Ada", "Queued Bo"]


def _names(html: str) -> list[str]:
    """The attendees' names on a page of the list, in order."""
    if 'class="attendees"' not in html:
        return []
    table = html.split('class="attendees"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr id=\"rsvp-\d+\">\s*<td><strong>([^<]+)</strong>", table)


@pytest.fixture
def full_clinic(make_event, make_owner, add_rsvp):
    """A clinic with 30 people coming (A 00 … A 29), 3 queued and 2 who cancelled."""
    event = make_event(capacity=40)
    for number in range(30):
        add_rsvp(event, make_owner(name=f"A {number:02d}"), status=RsvpStatus.CONFIRMED)
    for name in QUEUED:
        add_rsvp(event, make_owner(name=name))
    for number in range(2):
        add_rsvp(event, make_owner(name=f"Gone {number}"), status=RsvpStatus.CANCELLED)
    return event


def test_page_two_shows_the_rest_in_the_same_order(client, as_coordinator, full_clinic):
    url = f"/admin/events/{full_clinic.id}"
    first = client.get(url).text
    assert _names(first) == [f"A {number:02d}" for number in range(25)]
    assert f'href="{url}?page=2#attendees"' in first and "Page 1 of 2" in first
    second = client.get(f"{url}?page=2").text
    rest = [f"A {number:02d}" for number in range(25, 30)]
    assert _names(second) == [*rest, *QUEUED, "Gone 0", "Gone 1"]
    assert "Waitlist #1" in second and "Waitlist #3" in second
    assert f'href="/admin/events/{full_clinic.id}/attendees.csv"' in second


def test_a_search_finds_people_on_every_page_with_and_without_htmx(
    client, as_coordinator, full_clinic
):
    url = f"/admin/events/{full_clinic.id}"
    page = client.get(f"{url}?q=queued+bo").text
    assert _names(page) == ["Queued Bo"] and "Waitlist #3" in page
    assert "<html" in page and 'value="queued bo"' in page
    fragment = client.get(f"{url}?q=cy", headers=HTMX)
    assert _names(fragment.text) == ["Queued Cy"] and "Waitlist #1" in fragment.text
    assert "<html" not in fragment.text and "1 attendee" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    nobody = client.get(f"{url}?q=zelda").text
    assert _names(nobody) == [] and "Nobody here matches “zelda”" in nobody


def test_the_filters_show_each_kind_of_answer_with_their_counts(
    client, as_coordinator, full_clinic
):
    url = f"/admin/events/{full_clinic.id}"
    page = client.get(url).text
    assert re.search(r"Waitlist <span class=\"count\">3</span>", page)
    assert re.search(r"Coming <span class=\"count\">30</span>", page)
    assert _names(client.get(f"{url}?show=waitlist").text) == QUEUED
    assert _names(client.get(f"{url}?show=cancelled").text) == ["Gone 0", "Gone 1"]
    assert len(_names(client.get(f"{url}?show=coming&per_page=50").text)) == 30
    assert "Nobody is checked in yet." in client.get(f"{url}?show=arrived").text
    # A filter and a search together, and a filter nobody has heard of shows everyone.
    assert _names(client.get(f"{url}?show=coming&q=gone").text) == []
    assert len(_names(client.get(f"{url}?show=nonsense").text)) == 25


def test_check_in_buttons_post_to_each_rsvps_own_url(app, client, as_coordinator, full_clinic):
    html = client.get(f"/admin/events/{full_clinic.id}?q=a+07").text
    [rsvp_id] = re.findall(r'<tr id="rsvp-(\d+)">', html)
    with app.test_request_context():
        action = url_for("admin.events_check_in", event_id=full_clinic.id, rsvp_id=int(rsvp_id))
    assert f'action="{action}" hx-post="{action}"' in html


def test_statements_do_not_grow_with_the_number_of_attendees(
    client, as_coordinator, make_event, make_owner, add_rsvp, count_queries
):
    event = make_event(capacity=200)

    def add(how_many: int, start: int) -> None:
        for number in range(start, start + how_many):
            status = RsvpStatus.WAITLISTED if number % 3 else RsvpStatus.CONFIRMED
            add_rsvp(event, make_owner(name=f"Counted {number}"), status=status)

    def statements(url: str) -> int:
        client.get(url)
        with count_queries() as executed:
            assert client.get(url).status_code == 200
        return len(executed)

    url = f"/admin/events/{event.id}"
    add(3, 0)
    few = [statements(url), statements(f"{url}?q=counted"), statements(f"{url}?show=waitlist")]
    add(60, 3)
    many = [statements(url), statements(f"{url}?q=counted"), statements(f"{url}?show=waitlist")]
    assert few == many


def _rows(html: str) -> dict[int, str]:
    """{RSVP id: its row on the list, with runs of white space as one space}."""
    rows = re.findall(r'<tr id="rsvp-(\d+)">(.*?)</tr>', html, re.S)
    return {int(rsvp_id): re.sub(r"\s+", " ", row).strip() for rsvp_id, row in rows}


@pytest.fixture
def evening(make_event, make_owner):
    """An evening clinic that asks a question and guests' names, with one RSVP of each kind."""
    local = ZoneInfo(TZ)
    day = clock.now().astimezone(local).date() + timedelta(days=10)
    start = datetime.combine(day, time(18, 0), tzinfo=local)
    event = make_event(starts_at=start, capacity=5, guests_allowed=2)
    event.ask_guest_names = True
    question = questions.add_question(
        db.session, event, kind="text", label="Any dietary needs?", required=False, options_text=""
    ).question

    def rsvp(name: str | None, status: str, **values) -> Rsvp:
        person = {"user_id": make_owner(name=name).id} if name else {}
        row = Rsvp(event_id=event.id, status=status, waitlisted_at=clock.now(), **person, **values)
        db.session.add(row)
        db.session.flush()
        return row

    rsvps = {
        "vip": rsvp("Ada <Vip>", RsvpStatus.CONFIRMED, via_reward=True),
        "arrived": rsvp("Bo Arrived", RsvpStatus.ATTENDED, guests=1, checked_in_at=start),
        "visitor": rsvp(
            None, RsvpStatus.CONFIRMED, guest_name="Sam Visitor", guest_email="s@x.org"
        ),
        "queued": rsvp("Cy Queued", RsvpStatus.WAITLISTED),
        "gone": rsvp("Di Gone", RsvpStatus.CANCELLED),
    }
    db.session.add(RsvpAnswer(rsvp_id=rsvps["vip"].id, question_id=question.id, value="Vegan"))
    db.session.add(RsvpGuestName(rsvp_id=rsvps["arrived"].id, position=1, name="Eve Guest"))
    db.session.commit()
    return {"event": event, "start": start, **{kind: row.id for kind, row in rsvps.items()}}


def test_each_kind_of_row_shows_its_state_and_its_action(client, login, coordinator, evening):
    base = f"/admin/events/{evening['event'].id}/rsvps"
    token = '<input name="csrf_token" type="hidden" value="[^"]+">'

    def form(rsvp_id: int, action: str, button: str) -> str:
        url = f"{base}/{rsvp_id}/{action}"
        return (
            f'<form method="post" action="{url}" hx-post="{url}" hx-target="#rsvp-{rsvp_id}" '
            f'hx-swap="outerHTML" class="inline-form"> {token} <button type="submit" '
            f'class="button button-small button-secondary">{button}</button> </form>'
        )

    with clock.frozen(evening["start"] + timedelta(minutes=5)):
        login(coordinator)
        rows = _rows(client.get(f"/admin/events/{evening['event'].id}").text)
    expected = {
        "vip": (
            '<td><strong>Ada &lt;Vip&gt;</strong><br><span class="muted">[^<]+</span> '
            '<dl class="attendee-answers"> <div><dt>Any dietary needs\\?</dt> <dd>Vegan</dd></div> '
            '</dl> </td> <td> <span class="tag">Confirmed</span> '
            '<span class="tag tag-ok">VIP seat</span> </td> <td class="num">0</td> <td> '
            + form(
                evening["vip"],
                "check-in",
                'Check in<span class="visually-hidden"> Ada &lt;Vip&gt;</span>',
            )
            + " </td>"
        ),
        "arrived": (
            '<td><strong>Bo Arrived</strong><br><span class="muted">[^<]+</span> '
            '<dl class="attendee-answers"> <div><dt>Guests:</dt> <dd>Eve Guest</dd></div> </dl> '
            '</td> <td> <span class="tag tag-ok">Attended</span> </td> <td class="num">1</td> '
            '<td> <span class="checked-in">✓ <time datetime="[^"]+">6:00 PM EST</time></span> '
            + form(
                evening["arrived"],
                "undo-check-in",
                'Undo<span class="visually-hidden"> Bo Arrived\'s check-in</span>',
            )
            + " </td>"
        ),
        "visitor": (
            '<td><strong>Sam Visitor</strong> <span class="tag tag-accent">Visitor</span><br>'
            '<span class="muted">s@x.org</span></td> <td> <span class="tag">Confirmed</span> </td> '
            '<td class="num">0</td> <td> '
            + form(
                evening["visitor"],
                "check-in",
                'Check in<span class="visually-hidden"> Sam Visitor</span>',
            )
            + " </td>"
        ),
        "queued": (
            '<td><strong>Cy Queued</strong><br><span class="muted">[^<]+</span></td> <td> '
            '<span class="tag tag-warn">Waitlist #1</span> </td> <td class="num">0</td> <td> '
            '<span class="muted">—</span> </td>'
        ),
        "gone": (
            '<td><strong>Di Gone</strong><br><span class="muted">[^<]+</span></td> <td> '
            '<span class="tag tag-muted">Cancelled</span> </td> <td class="num">0</td> <td> '
            '<span class="muted">—</span> </td>'
        ),
    }
    assert set(rows) == {evening[kind] for kind in expected}
    for kind, row in expected.items():
        assert re.fullmatch(row, rows[evening[kind]]), kind


def test_a_check_in_answers_with_the_row_the_list_shows(client, login, coordinator, evening):
    event_id, rsvp_id = evening["event"].id, evening["vip"]
    with clock.frozen(evening["start"] + timedelta(minutes=5)):
        login(coordinator)
        answer = client.post(f"/admin/events/{event_id}/rsvps/{rsvp_id}/check-in", headers=HTMX)
        listed = _rows(client.get(f"/admin/events/{event_id}").text)[rsvp_id]
    assert _rows(answer.text) == {rsvp_id: listed}
    assert "undo-check-in" in listed and 'id="event-stats"' in answer.text


def test_the_page_reads_questions_answers_and_messages_only_when_the_event_has_them(
    client, as_coordinator, evening, make_event, make_owner, add_rsvp, count_queries
):
    def statements(event_id: int) -> int:
        url = f"/admin/events/{event_id}"
        client.get(url)
        with count_queries() as executed:
            assert client.get(url).status_code == 200
        return len(executed)

    plain = make_event("Plain clinic")
    add_rsvp(plain, make_owner(), status=RsvpStatus.CONFIRMED)
    # The signed-in user with their unread count and the settings, the event with its counts,
    # one page of the list.
    assert statements(plain.id) == 3
    assert (
        '<p class="empty">No messages sent yet.</p>' in client.get(f"/admin/events/{plain.id}").text
    )
    # ... and the questions, then the answers, guests' names and waitlist places of the shown.
    assert statements(evening["event"].id) == 7
    broadcasts.send_to_attendees(
        db.session,
        evening["event"],
        sender=as_coordinator,
        audience=broadcasts.Audience.BOTH,
        subject="Parking has moved",
        body="Round the back.",
        claim=broadcasts.new_claim(),
        now=clock.now(),
        tz=TZ,
        event_url=f"/events/{evening['event'].id}",
    )
    db.session.commit()
    # ... and the messages sent.
    assert statements(evening["event"].id) == 8
    html = client.get(f"/admin/events/{evening['event'].id}").text
    history = re.search(r'<table class="message-history">.*?</table>', html, re.S).group(0)
    assert "Parking has moved" in history and "No messages sent yet." not in html


def test_the_pages_links_are_the_apps_urls_under_any_mount_point(
    app, client, as_coordinator, make_event, make_owner, add_rsvp
):
    draft = make_event(status=EventStatus.DRAFT)
    published = make_event("Open clinic")
    rsvp = add_rsvp(published, make_owner(), status=RsvpStatus.CONFIRMED)
    for mount in ("", "/club", "/our%20club"):  # the last one's URLs hold a `%`
        pages = {
            event.id: client.get(
                f"/admin/events/{event.id}", environ_overrides={"SCRIPT_NAME": mount}
            ).text
            for event in (draft, published)
        }
        with app.test_request_context(environ_overrides={"SCRIPT_NAME": mount}):
            urls = {
                (event.id, name): url_for(endpoint, event_id=event.id)
                for event in (draft, published)
                for name, endpoint in EVENT_LINKS.items()
            }
            urls[draft.id, "events"] = url_for("admin.events_index")
            check_in = url_for("admin.events_check_in", event_id=published.id, rsvp_id=rsvp.id)
        assert urls[draft.id, "edit"] == f"{mount}/admin/events/{draft.id}/edit"
        assert check_in == f"{mount}/admin/events/{published.id}/rsvps/{rsvp.id}/check-in"
        assert f'action="{check_in}" hx-post="{check_in}"' in pages[published.id]
        for (event_id, name), url in urls.items():
            shown = {"invite", "cancel"} if event_id == published.id else {"publish"}
            if name not in {"invite", "cancel", "publish"} - shown:
                assert f'"{url}' in pages[event_id], (mount, event_id, name)


def test_a_rows_form_works_without_javascript(client, login, coordinator, evening):
    with clock.frozen(evening["start"] + timedelta(minutes=5)):
        login(coordinator)
        html = client.get(f"/admin/events/{evening['event'].id}").text
        row = html.split(f'<tr id="rsvp-{evening["vip"]}">', 1)[1].split("</tr>", 1)[0]
        action = re.search(r'action="([^"]+)"', row).group(1)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', row).group(1)
        response = client.post(action, data={"csrf_token": token}, csrf=False)
    assert response.status_code == 303
    assert db.session.get(Rsvp, evening["vip"]).status == RsvpStatus.ATTENDED


def test_the_list_read_on_the_table_still_sees_what_the_session_holds(app, make_event, make_owner):
    event = make_event()
    owner = make_owner(name="Unflushed Una")
    db.session.add(Rsvp(event_id=event.id, user_id=owner.id, status=RsvpStatus.CONFIRMED))
    page = attendee_list.attendee_page(db.session, event, "", "all", 1, 25, 1)
    assert [row.name for row in page.items] == ["Unflushed Una"]
    found = attendee_list.attendee_page(db.session, event, "una", "all", 1, 25, 1)
    assert [row.name for row in found.items] == ["Unflushed Una"]
    db.session.rollback()


@pytest.mark.parametrize("search", ["", "ada & bo/cy? 100%", "Zoë"])
def test_each_tab_links_to_its_filter_with_the_search_kept(
    app, client, as_coordinator, full_clinic, search
):
    url = f"/admin/events/{full_clinic.id}"
    html = client.get(url, query_string={"q": search} if search else None).text
    tabs = re.search(r'<nav class="stage-tabs".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"', tabs)
    with app.test_request_context():
        expected = [
            url_for(
                "admin.events_show",
                event_id=full_clinic.id,
                show=None if name == "all" else name,
                q=search or None,
                _anchor="attendees",
            )
            for name in attendee_list.FILTERS
        ]
    assert [link.replace("&amp;", "&") for link in links] == expected


@pytest.mark.parametrize(
    ("query", "kept"),
    [({}, {}), ({"q": "a", "show": "coming"}, {"q": "a", "show": "coming"})],
)
def test_the_pagers_links_keep_the_search_and_the_filter(
    app, client, as_coordinator, full_clinic, query, kept
):
    mount = "/our%20club"  # its URLs hold a `%`
    url = f"/admin/events/{full_clinic.id}"
    overrides = {"SCRIPT_NAME": mount}
    first = client.get(url, query_string=query, environ_overrides=overrides).text
    second = client.get(url, query_string={**query, "page": 2}, environ_overrides=overrides).text
    with app.test_request_context(environ_overrides=overrides):

        def page_url(number: int) -> str:
            return url_for(
                "admin.events_show",
                event_id=full_clinic.id,
                page=number,
                **kept,
                _anchor="attendees",
            )

        next_link, prev_link = escape(page_url(2)), escape(page_url(1))
    assert f'<a href="{next_link}" rel="next">Next →</a>' in first
    assert f'<a href="{prev_link}" rel="prev">← Previous</a>' in second
    assert "<span>Page 2 of 2</span>" in second and 'rel="next"' not in second
