"""Staff accounts and roles: admin only, every change audited."""

from sqlalchemy import func, select

from portal.accounts.models import LoginSession, Role, User
from portal.audit import AuditEntry
from portal.extensions import db


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_admin_adds_a_coordinator_who_gets_a_claim_invitation(client, as_admin, outbox):
    response = client.post(
        "/admin/staff/new",
        data={"name": "Jordan Blake", "email": "Jordan@Dealership.example", "role": "coordinator"},
    )
    assert response.status_code == 303
    jordan = db.session.scalar(select(User).where(User.email == "jordan@dealership.example"))
    assert jordan.role == Role.COORDINATOR
    [message] = outbox()
    assert message["To"] == "jordan@dealership.example"
    assert "/welcome/" in message.get_body(("plain",)).get_content()
    [entry] = _audit("staff.create")
    assert entry.after == {
        "name": "Jordan Blake",
        "email": "jordan@dealership.example",
        "role": "coordinator",
    }
    assert "Jordan Blake" in client.get("/admin/staff").get_data(True)


def test_adding_staff_with_a_taken_email_explains_what_to_do(client, as_admin, make_owner):
    owner = make_owner()
    response = client.post(
        "/admin/staff/new", data={"name": "X", "email": owner.email, "role": "admin"}
    )
    assert response.status_code == 422
    assert "already has an account" in response.get_data(True)


def test_admin_changes_a_role_and_it_is_audited(client, as_admin, coordinator):
    assert (
        client.post(f"/admin/staff/{coordinator.id}/role", data={"role": "admin"}).status_code
        == 303
    )
    db.session.expire_all()
    assert coordinator.role == Role.ADMIN
    [entry] = _audit("staff.role")
    assert (entry.before, entry.after) == ({"role": "coordinator"}, {"role": "admin"})
    assert entry.actor_id == as_admin.id and entry.ip == "127.0.0.1"


def test_admins_cannot_change_their_own_role_nor_remove_the_last_admin(client, as_admin, make_user):
    client.post(f"/admin/staff/{as_admin.id}/role", data={"role": "owner"})
    db.session.expire_all()
    assert as_admin.role == Role.ADMIN
    other = make_user(role=Role.ADMIN)
    client.post(f"/admin/staff/{other.id}/role", data={"role": "coordinator"})
    db.session.expire_all()
    assert other.role == Role.COORDINATOR  # as_admin is still an admin


def test_admin_deactivates_a_member_of_staff(client, as_admin, coordinator, login, app):
    browser = app.test_client()
    browser.post("/login", data={"email": coordinator.email, "password": "correct horse battery"})
    assert client.post(f"/admin/staff/{coordinator.id}/deactivate").status_code == 303
    db.session.expire_all()
    assert coordinator.deactivated_at is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == coordinator.id)
        )
        == 0
    )
    assert browser.get("/admin/").status_code == 302
    assert len(_audit("account.deactivate")) == 1
