"""Numbers and text from a URL never reach the database as a crash: 404, 400 or a bounded page."""

import pytest

from portal.accounts.models import StaffNote
from portal.extensions import db
from portal.notifications.models import Notification

HUGE = str(10**30)


@pytest.mark.parametrize(
    "path",
    [
        f"/events/{HUGE}",
        f"/garage/{HUGE}",
        f"/inbox/{HUGE}",
        "/drives/2147483648",
        "/events/" + "9" * 5000,
    ],
)
def test_an_id_no_database_holds_is_a_404(client, make_owner, login, path):
    login(make_owner())
    assert client.get(path).status_code == 404


def test_the_largest_database_id_is_looked_up_as_usual(client):
    assert client.get("/events/2147483647").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/events?kind=clinic%00", "/i/abc%00def", "/drives/?page=1%00", "/events?kind=a&kind=b%00"],
)
def test_a_nul_byte_in_the_url_is_a_400(client, path):
    assert client.get(path).status_code == 400


def test_inbox_pages_before_the_first_or_past_the_last_are_404(client, make_owner, login):
    owner = make_owner()
    login(owner)
    assert client.get("/inbox").status_code == 200
    for page in (HUGE, "-1", "0", "2"):
        assert client.get(f"/inbox?page={page}").status_code == 404, page


def test_owner_page_notes_and_messages_past_the_end_show_the_last_page(
    client, as_coordinator, make_owner
):
    owner = make_owner()
    for number in range(12):
        note = StaffNote(owner_id=owner.id, author_id=as_coordinator.id, body=f"Note {number}")
        db.session.add(note)
    db.session.add(
        Notification(
            user_id=owner.id, key="t", kind="test", subject="Hello", body="Hi", channel="email"
        )
    )
    db.session.commit()
    response = client.get(f"/admin/owners/{owner.id}?notes_page={HUGE}&messages_page={HUGE}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Note 0" in page  # the oldest note is on the last page
    assert "Hello" in page


@pytest.mark.parametrize(
    "query",
    [f"actor={HUGE}", "actor=-5", "until=9999-12-31", "since=0001-01-01", "since=2026-02-30"],
)
def test_audit_log_filters_out_of_range_are_ignored(client, as_admin, query):
    assert client.get(f"/admin/audit?{query}").status_code == 200
