"""Drives keep running totals that always equal the sums over their contributions."""

import pytest
from sqlalchemy import delete, update

from portal import clock
from portal.accounts.models import User
from portal.charity import services
from portal.charity.models import Drive, DriveTally, GiverTally
from portal.charity.queries import drive_totals
from portal.charity.tally import stored_totals, summed_totals
from portal.dealership.services import write_settings
from portal.extensions import db
from tests.rewards.concurrency import run_at_once


def _kept_equals_summed(drive) -> None:
    db.session.expire_all()
    assert stored_totals(db.session, [drive.id]) == summed_totals(db.session, [drive.id])


def _give_points(drive, owner, key: str, points: int = 500):
    return services.record_points_donation(
        db.session, drive=drive, user=owner, points=points, idempotency_key=key, now=clock.now()
    )


@pytest.fixture
def points_rate(app):
    """100 points make a dollar."""
    write_settings(db.session, {"charity.points_per_dollar": 100})
    db.session.commit()


def test_every_kind_of_change_moves_the_kept_totals(
    make_drive, make_owner, coordinator, pledge, points_rate
):
    drive = make_drive(goal_amount=1_000_00, match_percent=100)
    ana, ben, cy = make_owner(), make_owner(), make_owner()
    waiting = pledge(drive, ana, 10_00)
    pledge(drive, ben, 20_00, received_by=coordinator)
    assert _give_points(drive, cy, "gift:cy") is not None
    assert _give_points(drive, cy, "gift:cy") is None  # the same gift again counts once
    db.session.commit()
    totals = drive_totals(db.session, drive)
    assert (totals.owners_pledged, totals.owners_received, totals.points_value) == (
        30_00,
        20_00,
        5_00,
    )
    assert (totals.participants, totals.contributions) == (3, 3)

    assert services.mark_received(db.session, contribution=waiting, by=coordinator, now=clock.now())
    assert not services.mark_received(
        db.session, contribution=waiting, by=coordinator, now=clock.now()
    )
    services.reverse_points_donation(db.session, idempotency_key="gift:cy", now=clock.now())
    services.reverse_points_donation(db.session, idempotency_key="gift:cy", now=clock.now())
    db.session.commit()
    totals = drive_totals(db.session, drive)
    assert (totals.owners_received, totals.points_value) == (30_00, 0)
    assert (totals.participants, totals.contributions) == (2, 4)  # Cy's only gift came back
    _kept_equals_summed(drive)


def test_an_owner_who_gives_again_after_a_reversal_counts_once(
    make_drive, make_owner, pledge, points_rate
):
    drive = make_drive()
    owner = make_owner()
    _give_points(drive, owner, "gift:1")
    services.reverse_points_donation(db.session, idempotency_key="gift:1", now=clock.now())
    _give_points(drive, owner, "gift:2")
    pledge(drive, owner, 5_00)
    assert drive_totals(db.session, drive).participants == 1
    _kept_equals_summed(drive)


def test_a_drive_nobody_gave_to_has_zero_totals(make_drive):
    totals = drive_totals(db.session, make_drive())
    assert (totals.owners_pledged, totals.participants, totals.contributions) == (0, 0, 0)


def test_recount_rebuilds_totals_changed_behind_the_portals_back(
    runner, make_drive, make_owner, pledge
):
    drive, untouched = make_drive(name="Coats"), make_drive(name="Toys")
    giver = make_owner()
    pledge(drive, giver, 10_00)
    pledge(untouched, make_owner(), 3)
    db.session.execute(
        update(DriveTally).where(DriveTally.drive_id == drive.id).values(owners_pledged=1)
    )
    db.session.execute(delete(GiverTally))
    db.session.commit()

    result = runner.invoke(args=["charity", "recount"])
    assert result.exit_code == 0, result.output
    assert f"Corrected the totals of drives {drive.id}." in result.output
    _kept_equals_summed(drive)
    assert drive_totals(db.session, drive).owners_pledged == 10_00
    assert db.session.get(GiverTally, (drive.id, giver.id)).given == 10_00
    assert "matched" in runner.invoke(args=["charity", "recount"]).output


def test_concurrent_gifts_repeats_and_reversals_add_up_exactly(
    app, make_drive, make_owner, points_rate
):
    """Twelve owners give points at once, each gift sent twice; then half are taken back."""
    drive = make_drive(goal_amount=1_000_00)
    drive_id, owner_ids = drive.id, [make_owner().id for _ in range(12)]

    def give(index: int):
        # Each thread reads with its own session: the objects above belong to the test's.
        owner_id = owner_ids[index % 12]
        mine = db.session.get(Drive, drive_id)
        return _give_points(mine, db.session.get(User, owner_id), f"gift:{owner_id}")

    given = run_at_once(app, 24, give)
    assert sum(result is not None for result in given) == 12

    def take_back(index: int):
        key = f"gift:{owner_ids[index % 6]}"
        return services.reverse_points_donation(db.session, idempotency_key=key, now=clock.now())

    reversed_ = run_at_once(app, 12, take_back)
    assert sum(result is not None for result in reversed_) == 6
    totals = drive_totals(db.session, drive)
    assert (totals.points_value, totals.participants, totals.contributions) == (6 * 5_00, 6, 18)
    _kept_equals_summed(drive)
