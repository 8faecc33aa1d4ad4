"""CSV exports: the attendee and owner exports neutralise formulas; owners get 403 on every
export; list pages link theirs."""

import pytest

from portal.events.models import RsvpStatus
from tests.csv_checks import FORMULAS, assert_neutralised, csv_rows


@pytest.mark.parametrize("formula", FORMULAS)
def test_rsvp_and_owner_exports_neutralise_formulas(
    client, as_coordinator, make_owner, make_event, add_rsvp, formula
):
    person = make_owner(name=formula)
    event = make_event()
    add_rsvp(event, person, status=RsvpStatus.CONFIRMED)

    assert_neutralised(csv_rows(client.get(f"/admin/events/{event.id}/attendees.csv")), formula)
    assert_neutralised(csv_rows(client.get("/admin/owners/export.csv")), formula)


EXPORTS = [
    "/admin/referrals/export.csv",
    "/admin/rewards/redemptions/export.csv",
    "/admin/charity/contributions.csv",
    "/admin/charity/1/contributions.csv",
    "/admin/events/1/attendees.csv",
    "/admin/owners/export.csv",
]


def test_owners_get_403_on_every_export(client, owner, login, make_drive, make_event):
    make_drive()
    make_event()
    login(owner)
    assert {url: client.get(url).status_code for url in EXPORTS} == dict.fromkeys(EXPORTS, 403)


def test_list_pages_link_their_exports(client, as_coordinator, make_drive, make_event):
    drive = make_drive()
    event = make_event()
    links = {
        "/admin/referrals": "/admin/referrals/export.csv",
        "/admin/rewards/redemptions": "/admin/rewards/redemptions/export.csv?status=pending",
        "/admin/charity": "/admin/charity/contributions.csv",
        f"/admin/charity/{drive.id}": f"/admin/charity/{drive.id}/contributions.csv",
        f"/admin/events/{event.id}": f"/admin/events/{event.id}/attendees.csv",
        "/admin/owners": "/admin/owners/export.csv",
    }
    for page, export in links.items():
        assert f'href="{export}' in client.get(page).get_data(as_text=True), page
