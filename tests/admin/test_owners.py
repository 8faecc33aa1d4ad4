"""Owners in the admin area: search, the owner's page, notes, deactivation, export."""

import csv
import io

from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import LoginSession, StaffNote
from portal.audit import AuditEntry
from portal.extensions import db
from portal.notifications.models import Notification

HTMX = {"HX-Request": "true"}


def _names(html: str, *candidates: str) -> set[str]:
    return {name for name in candidates if name in html}


def test_search_finds_owners_by_name_email_phone_and_vin(
    client, as_coordinator, make_owner, make_vehicle
):
    priya = make_owner(name="Priya Patel", email="priya@example.com", phone="+12025550143")
    marcus = make_owner(name="Marcus Reyes", email="m.reyes@example.net")
    car = make_vehicle(marcus)
    names = ("Priya Patel", "Marcus Reyes")

    def search(q):
        return _names(client.get("/admin/owners", query_string={"q": q}).get_data(True), *names)

    assert search("priya") == {"Priya Patel"}
    assert search("REYES@example") == {"Marcus Reyes"}
    assert search("555-0143") == {"Priya Patel"}
    assert search(car.vin[-6:].lower()) == {"Marcus Reyes"}
    assert search("marcus reyes") == {"Marcus Reyes"}
    assert search("nobody-like-this") == set()
    assert priya.id != marcus.id


def test_search_treats_like_wildcards_as_plain_text(client, as_coordinator, make_owner):
    make_owner(name="Percy Underscore", email="percy@example.com")
    html = client.get("/admin/owners", query_string={"q": "%"}).get_data(True)
    assert "Percy Underscore" not in html
    assert "No owner matches" in html


def test_htmx_search_returns_only_the_results_fragment(client, as_coordinator, make_owner):
    make_owner(name="Grace Whitfield")
    fragment = client.get("/admin/owners?q=grace", headers=HTMX)
    assert "Grace Whitfield" in fragment.get_data(True)
    assert "<html" not in fragment.get_data(True)
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get("/admin/owners?q=grace")
    assert "<html" in page.get_data(
        True
    ) and 'hx-trigger="input changed delay:300ms' in page.get_data(True)


def test_owners_sort_by_cars_and_page(client, as_coordinator, make_owner, make_vehicle):
    many = make_owner(name="Zed Many")
    for _ in range(3):
        make_vehicle(many)
    make_owner(name="Abe None")
    html = client.get("/admin/owners?sort=cars&dir=desc").get_data(True)
    assert html.index("Zed Many") < html.index("Abe None")
    html = client.get("/admin/owners?sort=name").get_data(True)
    assert html.index("Abe None") < html.index("Zed Many")
    for number in range(30):
        make_owner(name=f"Paged Owner {number:02d}")
    page_two = client.get("/admin/owners?sort=name&page=2").get_data(True)
    assert "Page 2 of 2" in page_two


def test_owner_page_shows_profile_cars_messages_and_escaped_notes(
    client, as_coordinator, make_owner, make_vehicle
):
    owner = make_owner(name="Elena Novak")
    car = make_vehicle(owner, model="Pilot")
    db.session.add(
        Notification(
            user_id=owner.id,
            key="k1",
            kind="service",
            subject="Oil change due",
            body="b",
            channel="email",
        )
    )
    db.session.add(
        StaffNote(owner_id=owner.id, author_id=as_coordinator.id, body="<script>x</script>")
    )
    db.session.commit()
    html = client.get(f"/admin/owners/{owner.id}").get_data(True)
    assert "Elena Novak" in html and car.vin in html and "Pilot" in html
    assert "Oil change due" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html


def test_unknown_owner_is_404(client, as_coordinator):
    assert client.get("/admin/owners/999999").status_code == 404


def test_staff_add_a_note_with_htmx_and_it_is_audited(client, as_coordinator, make_owner):
    owner = make_owner(name="Kenji Tanaka")
    response = client.post(
        f"/admin/owners/{owner.id}/notes",
        data={"body": "Mentioned a rattle from the rear left door."},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(True)
    assert "rattle from the rear left door" in html and "<html" not in html
    note = db.session.scalar(select(StaffNote))
    assert (note.owner_id, note.author_id) == (owner.id, as_coordinator.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "note.add"))
    assert entry.actor_id == as_coordinator.id and entry.entity_id == str(owner.id)
    assert entry.after["body"].startswith("Mentioned a rattle")


def test_note_without_javascript_redirects_back_and_empty_note_is_refused(
    client, as_coordinator, make_owner
):
    owner = make_owner()
    response = client.post(f"/admin/owners/{owner.id}/notes", data={"body": "Prefers Saturday"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/owners/{owner.id}#notes")
    empty = client.post(f"/admin/owners/{owner.id}/notes", data={"body": "  "}, headers=HTMX)
    assert empty.status_code == 422 and "Write something first" in empty.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(StaffNote)) == 1


def test_admin_deactivates_an_owner_who_is_signed_out_at_once(app, client, make_owner, as_admin):
    owner = make_owner(name="Liam Byrne")
    owner_browser = app.test_client()
    assert (
        owner_browser.post(
            "/login", data={"email": owner.email, "password": "correct horse battery"}
        ).status_code
        == 303
    )
    assert owner_browser.get("/account/profile").status_code == 200

    response = client.post(f"/admin/owners/{owner.id}/deactivate")
    assert response.status_code == 303
    db.session.expire_all()
    assert owner.deactivated_at is not None
    assert (
        db.session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == owner.id)
        )
        == 0
    )
    assert owner_browser.get("/account/profile").status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deactivate"))
    assert entry.before == {"deactivated_at": None}
    assert entry.after["login_sessions_ended"] == 1

    client.post(f"/admin/owners/{owner.id}/reactivate")
    db.session.expire_all()
    assert owner.deactivated_at is None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "account.reactivate")
        )
        == 1
    )


def test_admin_cannot_deactivate_themselves(client, as_admin):
    client.post(f"/admin/owners/{as_admin.id}/deactivate")
    db.session.expire_all()
    assert as_admin.deactivated_at is None


def test_owner_export_neutralises_spreadsheet_formulas(
    client, as_coordinator, make_owner, make_vehicle
):
    owner = make_owner(name='=HYPERLINK("http://evil.example","x")', phone="+12025550100")
    make_vehicle(owner)
    response = client.get("/admin/owners/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(True).removeprefix("\ufeff"))))
    assert rows[0][:3] == ["id", "name", "email"]
    row = next(r for r in rows if r[0] == str(owner.id))
    assert row[1].startswith("'=HYPERLINK")
    assert row[3] == "'+12025550100"
    assert row[5] == "1"
    assert clock.now() is not None
