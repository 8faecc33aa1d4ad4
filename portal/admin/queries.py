"""Reads for the owners' pages: search across accounts and their cars."""

import re

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.garage.models import Vehicle

#: Sortable owner columns: name, date joined, number of active cars.
OWNER_SORTS = ("name", "joined", "cars")


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
