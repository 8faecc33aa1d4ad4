"""The points ledger: one line per idempotency key, even when fifty callers race."""

from sqlalchemy import func, select, text

from portal import clock
from portal.extensions import db
from portal.points import services as ledger
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.points.services import award_points
from tests.rendezvous import Rendezvous
from tests.rewards.concurrency import run_at_once, sqlite_without_begin_immediate


def _award(user_id: int, key: str = "event:7:attended"):
    return award_points(
        db.session,
        user_id=user_id,
        points=20,
        idempotency_key=key,
        reason="Came to the car-care clinic",
        now=clock.now(),
    )


def test_the_same_key_awards_once_and_the_balance_is_the_sum(make_owner):
    owner = make_owner()
    assert _award(owner.id) is True
    assert _award(owner.id) is False
    assert _award(owner.id, key="event:8:attended") is True
    award_points(
        db.session, user_id=owner.id, points=-15, idempotency_key="redemption:1",
        reason="Redeemed", now=clock.now(),
    )  # fmt: skip
    db.session.commit()
    assert points_balance(db.session, owner.id) == 25


def _ledger_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(PointsEntry))


def test_fifty_concurrent_awards_with_one_key_make_one_line(app, make_owner):
    owner_id = make_owner().id  # threads must not touch the test's session
    results = run_at_once(app, 50, lambda _: _award(owner_id))
    assert results.count(True) == 1
    assert _ledger_rows() == 1
    assert points_balance(db.session, owner_id) == 20


def _naive_award_points(checkers: Rendezvous):
    """Check, then insert: the race the unique key and ON CONFLICT close."""

    def award_points(session, *, user_id, points, idempotency_key, reason, now, **refs):
        exists = session.scalar(
            select(PointsEntry.id).where(PointsEntry.idempotency_key == idempotency_key)
        )
        if exists:
            return False
        checkers.meet()
        session.add(
            PointsEntry(
                user_id=user_id, points=points, reason=reason, idempotency_key=idempotency_key,
                created_at=now, **refs,
            )
        )  # fmt: skip
        session.flush()
        return True

    return award_points


def test_control_without_the_unique_key_the_race_duplicates_points(app, make_owner, monkeypatch):
    """The check above is real: remove the protection and the same test sees duplicates."""
    owner_id = make_owner().id
    db.session.execute(text("DROP INDEX uq_points_entries_idempotency_key"))
    db.session.commit()
    # Two callers check for the key before either inserts it.
    monkeypatch.setattr(ledger, "award_points", _naive_award_points(Rendezvous(2)))
    try:
        with sqlite_without_begin_immediate():
            results = run_at_once(
                app,
                50,
                lambda _: ledger.award_points(
                    db.session,
                    user_id=owner_id,
                    points=20,
                    idempotency_key="event:7:attended",
                    reason="Came",
                    now=clock.now(),
                ),  # fmt: skip
            )
        assert results.count(True) > 1
        assert _ledger_rows() > 1
    finally:
        db.session.rollback()
        db.session.execute(text("DELETE FROM points_entries"))
        db.session.execute(
            text(
                "CREATE UNIQUE INDEX uq_points_entries_idempotency_key "
                "ON points_entries (idempotency_key)"
            )
        )
        db.session.commit()
