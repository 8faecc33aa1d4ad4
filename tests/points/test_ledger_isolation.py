"""The points ledger: each line belongs to one owner, one key, and what it was for; reads
show an owner their own lines only. Every test has a second owner whose lines must not move."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.points.models import PointsEntry
from portal.points.queries import points_balance, points_history, referral_points
from portal.points.services import award_points

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _award(owner, points, key, *, at=NOW, reason="Came to a clinic", **refs) -> bool:
    awarded = award_points(
        db.session, user_id=owner.id, points=points, idempotency_key=key, reason=reason, now=at,
        **refs,
    )  # fmt: skip
    db.session.commit()
    return awarded


def _line(key: str) -> PointsEntry:
    return db.session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == key))


def test_a_line_records_who_what_when_and_why(make_owner, make_referral, make_redemption):
    owner = make_owner()
    referral = make_referral(owner)
    redemption = make_redemption(owner)
    assert _award(owner, 25, "referral:1:stage:test_drive", reason="Ann took a test drive",
                  referral_id=referral.id)  # fmt: skip
    assert _award(owner, -100, "redemption:1", reason="Redeemed", redemption_id=redemption.id)
    first, second = _line("referral:1:stage:test_drive"), _line("redemption:1")
    assert (first.user_id, first.points, first.reason) == (owner.id, 25, "Ann took a test drive")
    assert (first.referral_id, first.redemption_id, first.created_at) == (referral.id, None, NOW)
    assert (second.points, second.referral_id, second.redemption_id) == (-100, None, redemption.id)


def test_a_reason_is_cut_at_exactly_two_hundred_characters(make_owner):
    owner = make_owner()
    _award(owner, 5, "long", reason="x" * 199 + "yz")
    assert _line("long").reason == "x" * 199 + "y"


def test_a_key_is_used_once_whoever_asks_and_the_first_line_stands(make_owner):
    olivia, sam = make_owner(), make_owner()
    assert _award(olivia, 20, "event:7:attended") is True
    assert _award(olivia, 99, "event:7:attended") is False
    assert _award(sam, 20, "event:7:attended") is False
    line = _line("event:7:attended")
    assert (line.user_id, line.points) == (olivia.id, 20)
    assert points_balance(db.session, olivia.id) == 20
    assert points_balance(db.session, sam.id) == 0


def test_a_balance_sums_only_the_owners_own_lines(make_owner):
    olivia, sam, newcomer = make_owner(), make_owner(), make_owner()
    _award(olivia, 300, "a")
    _award(olivia, -120, "b")
    _award(sam, 1_000, "c")
    assert points_balance(db.session, olivia.id) == 180
    assert points_balance(db.session, sam.id) == 1_000
    assert points_balance(db.session, newcomer.id) == 0


def test_history_shows_only_the_owners_lines_newest_first(make_owner):
    olivia, sam = make_owner(), make_owner()
    _award(olivia, 10, "old", at=NOW - timedelta(days=2))
    _award(sam, 500, "sams", at=NOW - timedelta(days=1))
    _award(olivia, 20, "new", at=NOW)
    # Two lines at the same instant: the later line comes first.
    _award(olivia, 30, "same-time-first", at=NOW - timedelta(days=1))
    _award(olivia, 40, "same-time-second", at=NOW - timedelta(days=1))
    keys = [line.idempotency_key for line in points_history(db.session, olivia.id)]
    assert keys == ["new", "same-time-second", "same-time-first", "old"]
    assert [line.idempotency_key for line in points_history(db.session, sam.id)] == ["sams"]


@pytest.mark.parametrize(("limit", "expected"), [(1, ["k4"]), (3, ["k4", "k3", "k2"])])
def test_history_stops_at_its_limit(make_owner, limit, expected):
    owner = make_owner()
    for day in range(5):
        _award(owner, 1, f"k{day}", at=NOW + timedelta(days=day))
    assert [
        line.idempotency_key for line in points_history(db.session, owner.id, limit)
    ] == expected


def test_history_shows_twenty_lines_unless_asked(make_owner):
    owner = make_owner()
    for number in range(21):
        _award(owner, 1, f"k{number}", at=NOW + timedelta(minutes=number))
    history = points_history(db.session, owner.id)
    assert len(history) == 20
    assert history[-1].idempotency_key == "k1"


def test_referral_points_are_the_owners_lines_for_that_referral_oldest_first(
    make_owner, make_referral
):
    olivia, sam = make_owner(), make_owner()
    mine, other = make_referral(olivia), make_referral(olivia)
    _award(olivia, 500, "bought", at=NOW, referral_id=mine.id)
    _award(olivia, 25, "drove", at=NOW - timedelta(days=3), referral_id=mine.id)
    _award(olivia, 26, "drove-again", at=NOW - timedelta(days=3), referral_id=mine.id)
    _award(olivia, 25, "other-referral", at=NOW, referral_id=other.id)
    _award(olivia, 50, "no-referral", at=NOW)
    # A line for the same referral in someone else's ledger (a corrected referrer).
    _award(sam, 25, "sams", at=NOW, referral_id=mine.id)
    lines = referral_points(db.session, olivia.id, mine.id)
    assert [line.idempotency_key for line in lines] == ["drove", "drove-again", "bought"]
    assert [line.idempotency_key for line in referral_points(db.session, sam.id, mine.id)] == [
        "sams"
    ]
