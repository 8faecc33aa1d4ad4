"""Reads about accounts for their pages: the staff list, an owner's signed-in browsers."""

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import LoginSession, Role, User

STAFF_SORTS = ("name", "role", "joined")


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


def count_login_sessions(session: Session, user: User, now: datetime) -> int:
    """How many browsers are signed in as this user."""
    return session.scalar(
        select(func.count())
        .select_from(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.expires_at > now)
    )
