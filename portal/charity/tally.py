"""Drives' running totals: added to with each contribution, rebuilt from the contributions.

Every change to a drive's contributions (a pledge, a points gift or its reversal, a pledge
marked received) calls `count_contribution` or `count_received` in the same transaction.
Each adds its share in one `INSERT ... ON CONFLICT DO UPDATE SET x = x + :delta`, which
both databases run atomically: concurrent pledges queue on the drive's row and none is
lost, whatever the interleaving. Whether the giver now counts among the participants comes
from their own running net gift, returned by the same kind of statement. `recount` (and
`flask charity recount`) rebuilds the totals from the contributions, which stay the record.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Insert, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.charity.models import Contribution, ContributionKind, Drive, DriveTally, GiverTally

#: The running figures of a drive, in the order `stored_totals` and `summed_totals` give them.
FIGURES = ("owners_pledged", "owners_received", "points_value", "participants", "contributions")
NOTHING = (0, 0, 0, 0, 0)


def _adding(session: Session, model, keys: Mapping[str, Any], deltas: Mapping[str, int]) -> Insert:
    """Insert the row with `deltas`, or add `deltas` to the row already there (one statement)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**keys, **deltas)
    table = model.__table__
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in deltas},
    )


def count_contribution(
    session: Session, *, drive_id: int, user_id: int | None, kind: str, amount: int, received: bool
) -> None:
    """Add a new contribution row (a reversal has a negative amount) to its drive's totals."""
    joined = 0
    if user_id is not None:
        keys = {"drive_id": drive_id, "user_id": user_id}
        statement = _adding(session, GiverTally, keys, {"given": amount})
        given = session.execute(statement.returning(GiverTally.given)).scalar_one()
        # The row lock orders concurrent gifts from one owner, so each sees the total before it.
        joined = int(given > 0) - int(given - amount > 0)
    pledge = kind == ContributionKind.PLEDGE
    deltas = {
        "owners_pledged": amount if pledge else 0,
        "owners_received": amount if pledge and received else 0,
        "points_value": 0 if pledge else amount,
        "participants": joined,
        "contributions": 1,
    }
    session.execute(_adding(session, DriveTally, {"drive_id": drive_id}, deltas))


def count_received(session: Session, *, drive_id: int, amount: int) -> None:
    """A pledge of `amount` arrived: it moves into the drive's received total."""
    deltas = {"owners_received": amount}
    session.execute(_adding(session, DriveTally, {"drive_id": drive_id}, deltas))


def stored_totals(session: Session, drive_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """{drive id: FIGURES} as kept; a drive nobody gave to has no row (one query)."""
    columns = [getattr(DriveTally, name) for name in FIGURES]
    rows = session.execute(
        select(DriveTally.drive_id, *columns).where(DriveTally.drive_id.in_(list(drive_ids)))
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def summed_totals(session: Session, drive_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """{drive id: FIGURES} summed from the contributions themselves (one grouped query).

    Sums per (drive, giver) first, so a giver whose only gift was reversed (a declined
    points redemption) no longer counts as taking part.
    """
    is_pledge = Contribution.kind == ContributionKind.PLEDGE
    received = Contribution.received_at.is_not(None)
    per_giver = (
        select(
            Contribution.drive_id,
            Contribution.user_id,
            func.sum(case((is_pledge, Contribution.amount), else_=0)).label("pledged"),
            func.sum(case((is_pledge & received, Contribution.amount), else_=0)).label("received"),
            func.sum(case((is_pledge, 0), else_=Contribution.amount)).label("points_value"),
            func.count().label("contributions"),
        )
        .where(Contribution.drive_id.in_(list(drive_ids)))
        .group_by(Contribution.drive_id, Contribution.user_id)
        .subquery()
    )
    gave = (per_giver.c.pledged + per_giver.c.points_value > 0) & per_giver.c.user_id.is_not(None)
    rows = session.execute(
        select(
            per_giver.c.drive_id,
            func.coalesce(func.sum(per_giver.c.pledged), 0),
            func.coalesce(func.sum(per_giver.c.received), 0),
            func.coalesce(func.sum(per_giver.c.points_value), 0),
            func.count(case((gave, per_giver.c.user_id))),
            func.coalesce(func.sum(per_giver.c.contributions), 0),
        ).group_by(per_giver.c.drive_id)
    )
    return {row[0]: tuple(int(value) for value in row[1:]) for row in rows}


def recount(session: Session, drive_ids: Iterable[int] | None = None) -> list[int]:
    """Rebuild the totals of these drives (all by default) from their contributions.

    Returns the drives whose kept totals were wrong. The drives' rows are locked first:
    every change to a contribution holds a shared lock on its drive, so none is in flight
    while the sums are taken (on SQLite the write transaction already excludes them).
    """
    query = select(Drive.id).order_by(Drive.id).with_for_update()
    if drive_ids is not None:
        query = query.where(Drive.id.in_(list(drive_ids)))
    ids = list(session.scalars(query))
    summed, stored = summed_totals(session, ids), stored_totals(session, ids)
    wrong = [i for i in ids if summed.get(i, NOTHING) != stored.get(i, NOTHING)]
    session.execute(delete(GiverTally).where(GiverTally.drive_id.in_(ids)))
    given = (
        select(Contribution.drive_id, Contribution.user_id, func.sum(Contribution.amount))
        .where(Contribution.drive_id.in_(ids), Contribution.user_id.is_not(None))
        .group_by(Contribution.drive_id, Contribution.user_id)
    )
    session.execute(insert(GiverTally).from_select(["drive_id", "user_id", "given"], given))
    session.execute(delete(DriveTally).where(DriveTally.drive_id.in_(ids)))
    if summed:
        session.execute(
            insert(DriveTally),
            [
                {"drive_id": drive_id, **dict(zip(FIGURES, figures, strict=True))}
                for drive_id, figures in summed.items()
            ],
        )
    session.flush()
    return wrong
