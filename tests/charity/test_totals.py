"""Drive totals are sums over contributions; matching, points and pledge rules."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.charity import queries, services
from portal.charity.models import Contribution, DriveStatus, GoalKind
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from tests.factories import today


def test_totals_equal_the_sum_of_contributions(make_drive, make_owner, make_user, pledge):
    drive = make_drive()
    staff = make_user(role="coordinator")
    amounts = [25_00, 40_00, 100_00, 7_50]
    for index, amount in enumerate(amounts):
        pledge(drive, make_owner(), amount, received_by=staff if index % 2 else None)
    totals = queries.drive_totals(db.session, drive)
    stored = db.session.scalar(
        select(func.sum(Contribution.amount)).where(Contribution.drive_id == drive.id)
    )
    assert totals.owners_pledged == stored == sum(amounts)
    assert totals.owners_received == 40_00 + 7_50
    assert totals.outstanding == 25_00 + 100_00
    assert (totals.participants, totals.contributions) == (4, 4)


def test_match_is_ratio_times_owners_total_up_to_the_cap(make_drive, make_owner, pledge):
    drive = make_drive(match_percent=100, match_cap=150_00)
    pledge(drive, make_owner(), 100_00)
    totals = queries.drive_totals(db.session, drive)
    assert totals.match_pledged == 100_00
    assert totals.committed == 200_00
    pledge(drive, make_owner(), 100_00)
    totals = queries.drive_totals(db.session, drive)
    assert totals.match_pledged == 150_00  # capped
    assert totals.match_received == 0  # nothing has arrived yet
    assert totals.committed == 350_00


def test_half_match_without_cap(make_drive, make_owner, pledge):
    drive = make_drive(match_percent=50, match_cap=None)
    pledge(drive, make_owner(), 300_00)
    assert queries.drive_totals(db.session, drive).match_pledged == 150_00


def test_points_convert_at_the_dealership_rate_and_count_once(make_drive, make_owner):
    drive = make_drive()
    owner = make_owner()
    write_settings(db.session, {"charity.points_per_dollar": 50})
    now = clock.now()
    first = services.record_points_donation(
        db.session, drive=drive, user=owner, points=1_000, idempotency_key="reward:7", now=now
    )
    again = services.record_points_donation(
        db.session, drive=drive, user=owner, points=1_000, idempotency_key="reward:7", now=now
    )
    db.session.commit()
    assert first is not None and again is None
    totals = queries.drive_totals(db.session, drive)
    assert totals.points_value == 20_00  # 1,000 points at 50 per dollar
    assert totals.received == 20_00
    assert totals.owners_pledged == 0  # points are not matched as owners' pledges


def test_points_to_an_item_drive_use_its_own_rate(make_drive, make_owner):
    drive = make_drive(goal_kind=GoalKind.ITEMS, goal_amount=500, unit_label="toys",
                       points_per_item=400)  # fmt: skip
    owner = make_owner()
    services.record_points_donation(
        db.session, drive=drive, user=owner, points=1_000, idempotency_key="r:1", now=clock.now()
    )
    db.session.commit()
    assert queries.drive_totals(db.session, drive).points_value == 2
    with pytest.raises(ServiceError):
        services.record_points_donation(
            db.session, drive=drive, user=owner, points=100, idempotency_key="r:2",
            now=clock.now(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": DriveStatus.CLOSED}, "isn't taking pledges"),
        ({"status": DriveStatus.DRAFT}, "isn't taking pledges"),
        ({"ends_on_days": -1}, "has ended"),
        ({"starts_on_days": 2}, "Pledges open on"),
    ],
)
def test_pledges_only_while_the_drive_runs(make_drive, make_owner, changes, message):
    values = {}
    if "status" in changes:
        values["status"] = changes["status"]
    if "ends_on_days" in changes:
        values["starts_on"] = today() - timedelta(days=10)
        values["ends_on"] = today() + timedelta(days=changes["ends_on_days"])
    if "starts_on_days" in changes:
        values["starts_on"] = today() + timedelta(days=changes["starts_on_days"])
    drive = make_drive(**values)
    with pytest.raises(ServiceError, match=message):
        services.record_pledge(
            db.session, drive=drive, user=make_owner(), amount=10_00, message=None,
            show_name=False, now=clock.now(), today=today(),
        )  # fmt: skip


def test_pledge_amount_and_message_limits(make_drive, make_owner):
    drive = make_drive()
    owner = make_owner()
    common = {"drive": drive, "user": owner, "show_name": False, "now": clock.now(),
              "today": today()}  # fmt: skip
    with pytest.raises(ServiceError) as error:
        services.record_pledge(db.session, amount=0, message=None, **common)
    assert error.value.field == "amount"
    with pytest.raises(ServiceError) as error:
        services.record_pledge(db.session, amount=10_00, message="x" * 501, **common)
    assert error.value.field == "message"


def test_staff_cannot_pledge_as_themselves(make_drive, make_user):
    with pytest.raises(ServiceError):
        services.record_pledge(
            db.session, drive=make_drive(), user=make_user(role="coordinator"), amount=100,
            message=None, show_name=True, now=clock.now(), today=today(),
        )  # fmt: skip


def test_marking_received_happens_once(make_drive, make_owner, make_user, pledge):
    drive = make_drive()
    staff = make_user(role="coordinator")
    contribution = pledge(drive, make_owner(), 50_00)
    assert services.mark_received(db.session, contribution=contribution, by=staff,
                                  now=clock.now())  # fmt: skip
    assert not services.mark_received(db.session, contribution=contribution, by=staff,
                                      now=clock.now())  # fmt: skip
    db.session.commit()
    assert queries.drive_totals(db.session, drive).owners_received == 50_00


def test_honour_roll_names_only_those_who_chose_it(make_drive, make_owner, pledge):
    drive = make_drive()
    grace = make_owner(name="Grace Whitfield")
    kenji = make_owner(name="Kenji Tanaka")
    quiet = make_owner(name="Quentin Quiet")
    pledge(drive, grace, 10_00, show_name=True)
    pledge(drive, kenji, 10_00, show_name=False)
    pledge(drive, kenji, 10_00, show_name=True)  # named on one pledge: named
    pledge(drive, quiet, 10_00, show_name=False)
    totals = queries.drive_totals(db.session, drive)
    roll = queries.honour_roll(db.session, drive, totals.participants)
    assert roll.names == ["Grace W.", "Kenji T."]
    assert roll.anonymous == 1


def test_amounts_read_naturally(make_drive):
    money = make_drive(goal_amount=10_000_00)
    toys = make_drive(goal_kind=GoalKind.ITEMS, goal_amount=500, unit_label="toys")
    assert money.format_amount(1_234_00) == "$1,234"
    assert money.format_amount(12_50) == "$12.50"
    assert toys.format_amount(500) == "500 toys"
    assert toys.format_amount(1) == "1 toy"


def test_open_drives_cards_come_with_the_same_totals_in_one_statement(
    make_drive, make_owner, pledge, count_queries
):
    given = make_drive(name="Given to", match_percent=50)
    untouched = make_drive(name="Nobody gave yet")  # no tally row at all
    make_drive(name="Draft", status=DriveStatus.DRAFT)
    pledge(given, make_owner(), 30_00)
    pledge(given, make_owner(), 12_00)
    with count_queries() as statements:
        cards = queries.drive_cards(db.session, today())
    assert len(statements) == 1
    drives = queries.open_drives(db.session)
    assert [card.id for card in cards] == [drive.id for drive in drives]
    totals = queries.totals_for(db.session, drives)
    for card in cards:
        assert (card.committed, card.received) == (
            totals[card.id].committed,
            totals[card.id].received,
        )
    by_id = {card.id: card for card in cards}
    assert by_id[given.id].committed == 42_00 + 21_00
    assert by_id[untouched.id].committed == 0
