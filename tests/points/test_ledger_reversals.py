"""Reversing a ledger line: an opposite line of its own, under the original key plus
":reversed", appended once; the original line and every other owner's lines stay as they are."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.points.services import award_points, reverse_points

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def _award(owner, points, key, **refs) -> None:
    award_points(
        db.session, user_id=owner.id, points=points, idempotency_key=key,
        reason="Came to a clinic", now=NOW, **refs,
    )  # fmt: skip
    db.session.commit()


def _reverse(key: str, reason: str = "Check-in undone") -> bool:
    reversed_ = reverse_points(db.session, idempotency_key=key, reason=reason, now=LATER)
    db.session.commit()
    return reversed_


def _lines() -> list[tuple[int, int, str]]:
    """Every ledger line as (owner, points, key), in the order they were appended."""
    rows = db.session.execute(
        select(PointsEntry.user_id, PointsEntry.points, PointsEntry.idempotency_key).order_by(
            PointsEntry.id
        )
    )
    return [tuple(row) for row in rows]


def test_a_reversal_is_an_opposite_line_for_the_same_owner(make_owner, make_referral):
    olivia, sam = make_owner(), make_owner()
    referral = make_referral(olivia)
    _award(olivia, 25, "event:7:attended", referral_id=referral.id)
    _award(sam, 25, "event:7:attended:sam")
    assert _reverse("event:7:attended", reason="Check-in at Launch night undone") is True
    reversal = db.session.scalar(
        select(PointsEntry).where(PointsEntry.idempotency_key == "event:7:attended:reversed")
    )
    assert (reversal.user_id, reversal.points) == (olivia.id, -25)
    assert (reversal.reason, reversal.created_at) == ("Check-in at Launch night undone", LATER)
    assert (reversal.referral_id, reversal.redemption_id) == (None, None)
    # The original line is never edited, and Sam's line is not touched.
    assert _lines() == [
        (olivia.id, 25, "event:7:attended"),
        (sam.id, 25, "event:7:attended:sam"),
        (olivia.id, -25, "event:7:attended:reversed"),
    ]
    assert points_balance(db.session, olivia.id) == 0
    assert points_balance(db.session, sam.id) == 25


def test_reversing_twice_appends_one_line(make_owner):
    olivia = make_owner()
    _award(olivia, 40, "event:7:attended")
    assert _reverse("event:7:attended") is True
    assert _reverse("event:7:attended") is False
    assert points_balance(db.session, olivia.id) == 0
    assert len(_lines()) == 2


def test_a_spending_line_is_reversed_by_giving_the_points_back(make_owner):
    olivia, sam = make_owner(), make_owner()
    _award(olivia, 300, "welcome")
    _award(olivia, -120, "redemption:3")
    _award(sam, -120, "redemption:4")
    assert _reverse("redemption:3") is True
    assert points_balance(db.session, olivia.id) == 300
    assert points_balance(db.session, sam.id) == -120


def test_a_one_point_line_is_reversed(make_owner):
    olivia = make_owner()
    _award(olivia, 1, "tiny")
    assert _reverse("tiny") is True
    assert _lines()[-1] == (olivia.id, -1, "tiny:reversed")


def test_nothing_to_reverse_appends_nothing(make_owner):
    olivia = make_owner()
    _award(olivia, 0, "event:7:attended")
    _award(olivia, 30, "event:8:attended")
    before = _lines()
    # A zero line, an unknown key and a key that only starts like a real one.
    assert _reverse("event:7:attended") is False
    assert _reverse("event:9:attended") is False
    assert _reverse("event:8") is False
    assert _lines() == before
    count = db.session.scalar(select(func.count()).select_from(PointsEntry))
    assert count == 2


def test_the_ledger_writes_with_its_own_databases_insert(make_owner, monkeypatch):
    """ON CONFLICT is each database's own construct: SQLite's compiler happens to accept
    PostgreSQL's, but PostgreSQL's refuses SQLite's, so each must get its own."""
    olivia, written = make_owner(), []
    execute = db.session.execute

    def recording(statement, *args, **kwargs):
        written.append(statement)
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", recording)
    _award(olivia, 10, "welcome")
    database = db.session.get_bind().dialect.name
    assert type(written[0]).__module__.startswith(f"sqlalchemy.dialects.{database}.")
    assert _lines() == [(olivia.id, 10, "welcome")]
