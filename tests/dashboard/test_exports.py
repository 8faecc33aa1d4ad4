"""CSV exports: every coordinator export neutralises formulas; owners get 403; pages link them."""

import csv
import io

import pytest

from portal.events.models import RsvpStatus
from portal.referrals.models import Stage

#: Text a spreadsheet would run as a formula, one per dangerous first character.
FORMULAS = ['=HYPERLINK("http://evil.example")', "+SUM(A1)", "-2+3", "@cmd|' /C calc'!A0"]


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _assert_neutralised(rows: list[list[str]], formula: str) -> None:
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + formula in cells, cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))], cells
    assert formula not in cells


@pytest.mark.parametrize("formula", FORMULAS)
def test_referrals_export_neutralises_formulas(
    client, as_coordinator, owner, make_referral, formula
):
    make_referral(owner, name=formula, note=formula, stage=Stage.CONTACTED)

    rows = _rows(client.get("/admin/referrals/export.csv"))

    assert rows[0][:3] == ["id", "name", "email"]
    _assert_neutralised(rows, formula)


def test_referrals_export_follows_the_stage_filter(client, as_coordinator, owner, make_referral):
    make_referral(owner, name="Cora Contacted", stage=Stage.CONTACTED)
    make_referral(owner, name="Ivan Invited", stage=Stage.INVITED)

    rows = _rows(client.get("/admin/referrals/export.csv?stage=contacted"))

    assert [row[1] for row in rows[1:]] == ["Cora Contacted"]
    assert rows[1][9] == owner.name


@pytest.mark.parametrize("formula", FORMULAS)
def test_redemptions_export_neutralises_formulas(
    client, as_coordinator, make_owner, make_reward, make_redemption, formula
):
    person = make_owner(name=formula)
    make_redemption(person, make_reward(name=formula), cause=formula)

    rows = _rows(client.get("/admin/rewards/redemptions/export.csv"))

    assert rows[0][:4] == ["id", "owner", "email", "reward"]
    _assert_neutralised(rows, formula)


@pytest.mark.parametrize("formula", FORMULAS)
def test_pledge_exports_neutralise_formulas_per_drive_and_for_all(
    client, as_coordinator, make_owner, make_drive, add_contribution, formula
):
    drive = make_drive(formula)
    add_contribution(drive, make_owner(name=formula), 125_50, message=formula)
    other = make_drive("Toy drive", goal_kind="items", goal_amount=300, unit_label="toys")
    add_contribution(other, make_owner(), 4)

    everything = _rows(client.get("/admin/charity/contributions.csv"))
    one_drive = _rows(client.get(f"/admin/charity/{drive.id}/contributions.csv"))

    _assert_neutralised(everything, formula)
    _assert_neutralised(one_drive, formula)
    assert len(everything) == 3 and len(one_drive) == 2
    assert one_drive[1][6:8] == ["125.50", "USD"]
    assert everything[2][6:8] == ["4", "toys"]


def test_unknown_drive_export_is_404(client, as_coordinator):
    assert client.get("/admin/charity/999/contributions.csv").status_code == 404


@pytest.mark.parametrize("formula", FORMULAS)
def test_rsvp_and_owner_exports_neutralise_formulas(
    client, as_coordinator, make_owner, make_event, add_rsvp, formula
):
    person = make_owner(name=formula)
    event = make_event()
    add_rsvp(event, person, status=RsvpStatus.CONFIRMED)

    _assert_neutralised(_rows(client.get(f"/admin/events/{event.id}/attendees.csv")), formula)
    _assert_neutralised(_rows(client.get("/admin/owners/export.csv")), formula)


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
