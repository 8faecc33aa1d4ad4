"""Drives and their events: coordinators link them, both pages point at each other."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.charity.models import DriveEvent, DriveStatus
from portal.events.models import Audience, EventStatus
from portal.extensions import db
from tests.charity.test_admin_drives import _form


def _links() -> set[tuple[int, int]]:
    return set(db.session.execute(select(DriveEvent.drive_id, DriveEvent.event_id)).all())


def test_drive_form_offers_upcoming_and_recent_events_only(client, as_coordinator, make_event):
    make_event(title="Charity car wash")
    make_event(title="Last weekend's toy drop", starts_at=clock.now() - timedelta(days=6))
    make_event(title="Spring meet long ago", starts_at=clock.now() - timedelta(days=200))
    called_off = make_event(title="Rained off")
    called_off.status = EventStatus.CANCELLED
    db.session.commit()
    page = client.get("/admin/charity/new").get_data(as_text=True)
    assert "Charity car wash" in page and "Last weekend&#39;s toy drop" in page
    assert "Spring meet long ago" not in page and "Rained off" not in page


def test_coordinator_links_events_when_creating_and_changes_them_when_editing(
    client, as_coordinator, make_event
):
    wash = make_event(title="Charity car wash")
    drop_off = make_event(title="Toy drop-off day")
    response = client.post("/admin/charity/new", data=_form(events=[str(wash.id)]))
    assert response.status_code == 303
    drive_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _links() == {(drive_id, wash.id)}

    edit = client.get(f"/admin/charity/{drive_id}/edit").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{wash.id}"', edit), edit

    response = client.post(f"/admin/charity/{drive_id}/edit", data=_form(events=[drop_off.id]))
    assert response.status_code == 303
    assert _links() == {(drive_id, drop_off.id)}
    admin_page = client.get(f"/admin/charity/{drive_id}").get_data(as_text=True)
    assert "Toy drop-off day" in admin_page

    client.post(f"/admin/charity/{drive_id}/edit", data=_form())
    assert _links() == set()


def test_an_event_that_is_not_on_offer_is_refused(client, as_coordinator, make_event):
    old = make_event(title="Long ago", starts_at=clock.now() - timedelta(days=300))
    response = client.post("/admin/charity/new", data=_form(events=[old.id]))
    assert response.status_code == 422
    assert "is not a valid choice" in response.get_data(as_text=True)
    assert _links() == set()


def test_an_old_linked_event_stays_on_offer_when_editing(
    client, as_coordinator, make_drive, make_event, link_events
):
    drive = make_drive()
    old = make_event(title="Last year's wash", starts_at=clock.now() - timedelta(days=300))
    link_events(drive, old)
    response = client.post(f"/admin/charity/{drive.id}/edit", data=_form(events=[old.id]))
    assert response.status_code == 303
    assert _links() == {(drive.id, old.id)}


def test_drive_page_lists_its_events_in_local_time_with_links(
    client, make_drive, make_event, link_events
):
    drive = make_drive()
    # 01:30 UTC on 20 March is the evening of 19 March in New York.
    starts = datetime(clock.now().year + 1, 3, 20, 1, 30, tzinfo=UTC)
    wash = make_event(title="Charity car wash", starts_at=starts, audience=Audience.PUBLIC)
    secret = make_event(title="Ambassadors' wash", audience=Audience.AMBASSADORS)
    draft = make_event(title="Draft wash", status=EventStatus.DRAFT)
    link_events(drive, wash, secret, draft)
    page = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "Events for this drive" in page
    assert f'href="/events/{wash.id}">Charity car wash</a>' in page
    assert "Thu 19 Mar" in page or "19 Mar" in page
    assert "9:30 PM" in page
    assert "Ambassadors&#39; wash" not in page and "Draft wash" not in page


def test_event_page_says_which_open_drive_it_is_part_of(
    client, make_drive, make_event, link_events
):
    event = make_event(title="Charity car wash", audience=Audience.PUBLIC)
    link_events(make_drive(name="Coats for Kids"), event)
    link_events(make_drive(name="Quiet draft", status=DriveStatus.DRAFT), event)
    link_events(make_drive(name="Finished drive", status=DriveStatus.CLOSED), event)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Part of <a" in page and "Coats for Kids</a>" in page
    assert "our drive for Harbour Family Shelter" in page
    assert "Quiet draft" not in page and "Finished drive" not in page
    unlinked = make_event(title="Plain clinic", audience=Audience.PUBLIC)
    assert "Part of" not in client.get(f"/events/{unlinked.id}").get_data(as_text=True)


def test_event_page_reads_only_what_part_of_shows_of_a_drive(
    client, make_drive, make_event, link_events, count_queries
):
    event = make_event(title="Charity car wash", audience=Audience.PUBLIC)
    link_events(make_drive(name="Coats for Kids"), event)
    client.get(f"/events/{event.id}")
    with count_queries() as statements:
        assert "Coats for Kids</a>" in client.get(f"/events/{event.id}").get_data(as_text=True)
    drives = [sql for sql in statements if "FROM charity_drives" in sql]
    assert len(drives) == 1 and "charity_drives.story" not in drives[0]
