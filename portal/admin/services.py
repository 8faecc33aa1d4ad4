"""Staff actions on accounts and settings; each writes its audit entry in the same transaction."""

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import LoginSession, Role, User
from portal.accounts.services import create_invited_owner, find_user_by_email, normalise_email
from portal.admin.models import StaffNote
from portal.audit import record_audit
from portal.dealership.services import dealership_defaults, read_settings, write_settings
from portal.errors import ServiceError
from portal.garage.models import Vehicle

MAX_NOTE_LENGTH = 4000

#: Sortable owner columns: name, date joined, number of active cars.
OWNER_SORTS = ("name", "joined", "cars")
STAFF_SORTS = ("name", "role", "joined")


def active_car_count():
    """A correlated subquery: the owner's cars that are still theirs."""
    return (
        select(func.count(Vehicle.id))
        .where(Vehicle.owner_id == User.id, Vehicle.retired_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )


def owner_search(query: str = "", sort: str = "name", descending: bool = False) -> Select:
    """Owners matching every word of `query` in name, email, phone or a VIN, in one statement."""
    statement = select(User).where(User.role == Role.OWNER)
    for term in query.split()[:6]:
        digits = re.sub(r"\D", "", term)
        matches = [
            User.name.icontains(term, autoescape=True),
            User.email.icontains(term, autoescape=True),
            exists().where(
                Vehicle.owner_id == User.id, Vehicle.vin.icontains(term, autoescape=True)
            ),
        ]
        if len(digits) >= 3:
            matches.append(User.phone.contains(digits, autoescape=True))
        statement = statement.where(or_(*matches))
    column = {
        "name": func.lower(User.name),
        "joined": User.created_at,
        "cars": active_car_count(),
    }[sort if sort in OWNER_SORTS else "name"]
    return statement.order_by(column.desc() if descending else column.asc(), User.id)


def car_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Active cars per owner for one page of owners, in one query."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Vehicle.owner_id, func.count(Vehicle.id))
        .where(Vehicle.owner_id.in_(user_ids), Vehicle.retired_at.is_(None))
        .group_by(Vehicle.owner_id)
    )
    return {owner_id: count for owner_id, count in rows}


def add_note(session: Session, *, owner: User, author: User, body: str, ip=None) -> StaffNote:
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


def deactivate_account(session: Session, *, user: User, actor: User, now: datetime, ip=None) -> int:
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


def reactivate_account(session: Session, *, user: User, actor: User, ip=None) -> None:
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


def staff_list(sort: str = "name", descending: bool = False) -> Select:
    """Coordinators and admins, active first."""
    column = {"name": func.lower(User.name), "role": User.role, "joined": User.created_at}[
        sort if sort in STAFF_SORTS else "name"
    ]
    return (
        select(User)
        .where(User.role.in_([Role.COORDINATOR, Role.ADMIN]))
        .order_by(
            User.deactivated_at.is_not(None),
            column.desc() if descending else column.asc(),
            User.id,
        )
    )


def create_staff(
    session: Session, *, name: str, email: str, role: str, actor: User, hash_method: str, ip=None
) -> User:
    """A coordinator or admin account, to be claimed through an emailed link."""
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
    return user


def change_role(session: Session, *, user: User, role: str, actor: User, ip=None) -> bool:
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


def validate_timezone(name: str) -> str:
    """An IANA time zone name, or ServiceError."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ServiceError(
            "Not a time zone we know; use a name like America/New_York.", "timezone"
        ) from error
    return name.strip()


def update_dealership(
    session: Session, *, values: dict[str, Any], actor: User, ip=None
) -> dict[str, tuple[Any, Any]]:
    """Save the dealership's name, time zone and contact details; audits what changed."""
    allowed = dealership_defaults()
    stored = {f"dealership.{key}": value for key, value in values.items()}
    unknown = set(stored) - set(allowed)
    if unknown:
        raise ServiceError(f"Unknown settings: {', '.join(sorted(unknown))}")
    validate_timezone(stored.get("dealership.timezone", allowed["dealership.timezone"]))
    current = read_settings(session, allowed)
    changed = {key: value for key, value in stored.items() if current[key] != value}
    write_settings(session, changed)
    changes = {key: (current[key], value) for key, value in changed.items()}
    if changes:
        record_audit(
            session,
            actor=actor,
            action="settings.update",
            entity_type="settings",
            entity_id="dealership",
            before={key: old for key, (old, _new) in changes.items()},
            after={key: new for key, (_old, new) in changes.items()},
            summary="Changed " + ", ".join(key.removeprefix("dealership.") for key in changes),
            ip=ip,
        )
    return changes


def current_dealership(session: Session) -> dict[str, Any]:
    """The dealership settings as the form shows them (without the `dealership.` prefix)."""
    values = read_settings(session, dealership_defaults())
    return {key.removeprefix("dealership."): value for key, value in values.items()}
