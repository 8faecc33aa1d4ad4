"""Coordinators create, edit, open and close drives, upload covers and mark pledges received."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.charity.models import Contribution, Drive, DriveStatus
from portal.charity.rules import COVER_FOLDER
from portal.extensions import db
from tests.factories import today

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def _form(**overrides) -> dict:
    values = {
        "name": "Coats for Kids",
        "beneficiary_name": "Harbour Family Shelter",
        "beneficiary_description": "Winter support.",
        "beneficiary_url": "https://shelter.example.org",
        "story": "A warm coat for every child.",
        "goal_kind": "money",
        "goal_amount": "10000",
        "unit_label": "",
        "starts_on": today().isoformat(),
        "ends_on": today().replace(year=today().year + 1).isoformat(),
        "match_ratio": "1",
        "match_cap": "2500",
    }
    values.update(overrides)
    return values


def _covers(app) -> list[Path]:
    folder = Path(app.instance_path) / COVER_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_owner_gets_403_on_charity_admin_pages(client, login, make_owner, make_drive):
    drive = make_drive()
    login(make_owner())
    for path in ("/admin/charity", "/admin/charity/new", f"/admin/charity/{drive.id}",
                 "/admin/announcements"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/charity/{drive.id}/close").status_code == 403


def test_create_a_money_drive_as_a_draft_with_match(client, as_coordinator):
    response = client.post("/admin/charity/new", data=_form())
    assert response.status_code == 303
    drive = db.session.scalar(select(Drive))
    assert (drive.status, drive.goal_amount, drive.match_percent, drive.match_cap) == (
        DriveStatus.DRAFT,
        10_000_00,
        100,
        2_500_00,
    )


def test_item_drive_needs_a_unit_and_dates_in_order(client, as_coordinator):
    response = client.post(
        "/admin/charity/new",
        data=_form(
            goal_kind="items", goal_amount="500", unit_label="", ends_on="2000-01-01"
        ),  # fmt: skip
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say what the items are" in page
    assert "must end on or after" in page
    assert db.session.scalar(select(func.count()).select_from(Drive)) == 0


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", "ftp://files.example", "shelter.example"]
)
def test_beneficiary_link_must_be_http_or_https(client, as_coordinator, url):
    response = client.post("/admin/charity/new", data=_form(beneficiary_url=url))
    assert response.status_code == 422
    assert "https://" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Drive)) == 0


def test_a_bad_link_already_stored_is_never_rendered(client, make_drive):
    drive = make_drive(beneficiary_url="javascript:alert(1)")
    assert "javascript:" not in client.get(f"/drives/{drive.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_cover_image_is_stored_under_a_random_name_and_served_safely(
    app, client, as_coordinator, content, content_type
):
    response = client.post(
        "/admin/charity/new",
        data={**_form(), "cover": (io.BytesIO(content), "../../evil name.gif")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    [stored] = _covers(app)
    assert "evil" not in stored.name and len(stored.stem) == 32
    drive = db.session.scalar(select(Drive))
    client.post("/logout")
    client.post(f"/admin/charity/{drive.id}/open")  # signed out: redirected, not opened
    drive.status = DriveStatus.OPEN
    db.session.commit()
    served = client.get(f"/drives/{drive.id}/cover")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == content


def test_html_named_png_is_refused_and_nothing_is_stored(app, client, as_coordinator):
    html = b"<html><script>alert(1)</script></html>"
    response = client.post(
        "/admin/charity/new",
        data={**_form(), "cover": (io.BytesIO(html), "cover.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Please choose a PNG, JPEG or WebP image." in response.get_data(as_text=True)
    assert 'id="cover-error"' in response.get_data(as_text=True)
    assert _covers(app) == []
    assert db.session.scalar(select(func.count()).select_from(Drive)) == 0


def test_cover_over_two_megabytes_is_refused(app, client, as_coordinator):
    big = PNG + b"\x00" * (2 * 1024 * 1024)
    response = client.post(
        "/admin/charity/new",
        data={**_form(), "cover": (io.BytesIO(big), "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "under 2 MB" in response.get_data(as_text=True)
    assert _covers(app) == []


def test_request_over_the_app_limit_gets_the_friendly_413_page(app, client, as_coordinator):
    huge = PNG + b"\x00" * (4 * 1024 * 1024)
    response = client.post(
        "/admin/charity/new",
        data={**_form(), "cover": (io.BytesIO(huge), "huge.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)
    assert _covers(app) == []


def test_replacing_a_cover_removes_the_old_file(app, client, as_coordinator, make_drive):
    drive = make_drive()
    for content in (PNG, JPEG):
        response = client.post(
            f"/admin/charity/{drive.id}/edit",
            data={**_form(), "cover": (io.BytesIO(content), "c.img")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    [stored] = _covers(app)
    assert stored.suffix == ".jpg"


def test_goal_unit_is_fixed_once_owners_gave(
    client, as_coordinator, make_drive, make_owner, pledge
):
    drive = make_drive()
    pledge(drive, make_owner(), 10_00)
    response = client.post(
        f"/admin/charity/{drive.id}/edit",
        data=_form(goal_kind="items", unit_label="toys", goal_amount="50"),
    )
    assert response.status_code == 422
    db.session.refresh(drive)
    assert drive.is_money


def test_open_then_close_from_the_admin_page(client, as_coordinator):
    client.post("/admin/charity/new", data=_form())
    drive = db.session.scalar(select(Drive))
    assert client.post(f"/admin/charity/{drive.id}/open").status_code == 303
    db.session.refresh(drive)
    assert drive.status == DriveStatus.OPEN
    confirm = client.get(f"/admin/charity/{drive.id}/close")
    assert "Closing stops new pledges" in confirm.get_data(as_text=True)
    db.session.refresh(drive)
    assert drive.status == DriveStatus.OPEN  # asking is not closing
    assert client.post(f"/admin/charity/{drive.id}/close").status_code == 303
    db.session.refresh(drive)
    assert drive.status == DriveStatus.CLOSED


def test_mark_received_inline_with_htmx(
    client, coordinator, as_coordinator, make_drive, make_owner, pledge
):
    drive = make_drive()
    contribution = pledge(drive, make_owner(), 20_00)
    response = client.post(
        f"/admin/charity/{drive.id}/contributions/{contribution.id}/received",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="contribution-{contribution.id}"')
    assert "Received" in html
    saved = db.session.get(Contribution, contribution.id)
    assert saved.received_at is not None and saved.received_by_id == coordinator.id


def test_mark_received_checks_the_drive(client, as_coordinator, make_drive, make_owner, pledge):
    contribution = pledge(make_drive(), make_owner(), 20_00)
    other = make_drive(name="Other")
    url = f"/admin/charity/{other.id}/contributions/{contribution.id}/received"
    assert client.post(url).status_code == 404


def test_staff_record_a_pledge_handed_over_in_person(
    client, coordinator, as_coordinator, make_drive, make_owner
):
    drive = make_drive()
    owner = make_owner(email="grace@example.com")
    response = client.post(
        f"/admin/charity/{drive.id}/pledges",
        data={
            "email": "Grace@Example.com",
            "amount": "30",
            "recognition": "name",
            "received": "y",
        },  # fmt: skip
    )
    assert response.status_code == 303
    [saved] = db.session.scalars(select(Contribution)).all()
    assert (saved.user_id, saved.amount, saved.received_by_id) == (owner.id, 30_00, coordinator.id)


def test_points_rate_setting(client, as_coordinator):
    assert (
        client.post("/admin/charity/settings", data={"points_per_dollar": "80"}).status_code == 303
    )
    assert 'value="80"' in client.get("/admin/charity").get_data(as_text=True)


def test_staff_record_pledge_submitted_twice_records_once(
    client, as_coordinator, make_drive, make_owner
):
    drive = make_drive()
    make_owner(email="grace@example.com")
    form = {"email": "grace@example.com", "amount": "30", "recognition": "name", "token": "t-1"}
    url = f"/admin/charity/{drive.id}/pledges"
    assert client.post(url, data=form).status_code == 303
    assert client.post(url, data=form).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1
    assert 'name="token"' in client.get(f"/admin/charity/{drive.id}").get_data(as_text=True)
    records = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "contribution.record")
    ).all()
    assert len(records) == 1
