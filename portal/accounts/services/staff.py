"""What staff do to accounts: add staff, change roles, deactivate and reactivate, keep notes."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.accounts.models import LoginSession, Role, StaffNote, User
from portal.accounts.services.invitations import queue_claim_invitation
from portal.accounts.services.members import (
    create_invited_owner,
    find_user_by_email,
    normalise_email,
)
from portal.audit import record_audit
from portal.errors import ServiceError

MAX_NOTE_LENGTH = 4000
STAFF_INVITATION_REASON = "You've been added to the team that runs the Owners Club."


def add_note(
    session: Session, *, owner: User, author: User, body: str, ip: str | None = None
) -> StaffNote:
    """Keep a note on an owner's page for the whole team."""
    body = body.strip()
    if not body:
        raise ServiceError("Write something first.", "body")
    if len(body) > MAX_NOTE_LENGTH:
        raise ServiceError(f"Keep a note under {MAX_NOTE_LENGTH:,} characters.", "body")
    note = StaffNote(owner_id=owner.id, author_id=author.id, body=body)
    session.add(note)
    session.flush()
    record_audit(
        session,
        actor=author,
        action="note.add",
        entity_type="user",
        entity_id=owner.id,
        before=None,
        after={"note_id": note.id, "body": body},
        summary=f"Added a note to {owner.name}",
        ip=ip,
    )
    return note


def _active_admin_ids(session: Session) -> list[int]:
    """Ids of active admins, locked on PostgreSQL (SQLite's BEGIN IMMEDIATE serialises)."""
    return list(
        session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN, User.deactivated_at.is_(None))
            .with_for_update()
        )
    )


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == Role.ADMIN and _active_admin_ids(session) == [user.id]:
        raise ServiceError("This is the last active admin; make someone else admin first.")


def deactivate_account(
    session: Session, *, user: User, actor: User, now: datetime, ip: str | None = None
) -> int:
    """Stop an account signing in and sign it out everywhere now; returns sessions ended."""
    if user.id == actor.id:
        raise ServiceError("You cannot deactivate your own account.")
    if user.deactivated_at is not None:
        return 0
    _keep_an_admin(session, user)
    user.deactivated_at = now
    ended = session.execute(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    record_audit(
        session,
        actor=actor,
        action="account.deactivate",
        entity_type="user",
        entity_id=user.id,
        before={"deactivated_at": None},
        after={"deactivated_at": now, "login_sessions_ended": ended},
        summary=f"Deactivated {user.name} ({user.email})",
        ip=ip,
    )
    return ended


def reactivate_account(session: Session, *, user: User, actor: User, ip: str | None = None) -> None:
    """Let a deactivated account sign in again."""
    if user.deactivated_at is None:
        return
    before = user.deactivated_at
    user.deactivated_at = None
    record_audit(
        session,
        actor=actor,
        action="account.reactivate",
        entity_type="user",
        entity_id=user.id,
        before={"deactivated_at": before},
        after={"deactivated_at": None},
        summary=f"Reactivated {user.name} ({user.email})",
        ip=ip,
    )


def create_staff(
    session: Session,
    *,
    name: str,
    email: str,
    role: str,
    actor: User,
    hash_method: str,
    dealership_name: str,
    now: datetime,
    ip: str | None = None,
) -> User:
    """A coordinator or admin account, and the queued email that lets them choose a password."""
    role = Role(role)
    if role not in (Role.COORDINATOR, Role.ADMIN):
        raise ServiceError("Choose coordinator or admin.", "role")
    existing = find_user_by_email(session, email)
    if existing is not None:
        raise ServiceError(
            f"{normalise_email(email)} already has an account ({existing.role}); "
            "change its role from the staff list instead.",
            "email",
        )
    user = create_invited_owner(session, name=name, email=email, hash_method=hash_method)
    user.role = role
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="staff.create",
        entity_type="user",
        entity_id=user.id,
        before=None,
        after={"name": user.name, "email": user.email, "role": role.value},
        summary=f"Added {user.name} as {role.value}",
        ip=ip,
    )
    queue_claim_invitation(
        session,
        user,
        cars=[],
        reason=STAFF_INVITATION_REASON,
        dealership_name=dealership_name,
        now=now,
    )
    return user


def change_role(
    session: Session, *, user: User, role: str, actor: User, ip: str | None = None
) -> bool:
    """Make a member of staff coordinator, admin or (no longer staff) owner."""
    new_role = Role(role)
    if user.id == actor.id:
        raise ServiceError("Ask another admin to change your own role.", "role")
    if new_role == user.role:
        return False
    if user.role == Role.ADMIN:
        _keep_an_admin(session, user)
    before = user.role
    user.role = new_role
    record_audit(
        session,
        actor=actor,
        action="staff.role",
        entity_type="user",
        entity_id=user.id,
        before={"role": str(before)},
        after={"role": new_role.value},
        summary=f"Changed {user.name}'s role from {before} to {new_role.value}",
        ip=ip,
    )
    return True
