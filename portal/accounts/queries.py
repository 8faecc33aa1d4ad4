"""Reads about accounts for staff pages."""

from sqlalchemy import Select, func, select

from portal.accounts.models import Role, User

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
