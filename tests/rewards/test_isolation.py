"""Each rewards change touches only the row it names: a second reward, owner or redemption
stays exactly as it was. Every test has a bystander that must not move."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.charity.models import Contribution, DriveStatus
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.rewards import services
from portal.rewards.models import Category, Redemption, RedemptionStatus, Reward

NOW = datetime(2026, 6, 1, 15, 30, tzinfo=UTC)
DECIDED = NOW + timedelta(days=2)


@pytest.fixture(autouse=True)
def frozen_clock():
    """Factories and services read the same fixed time."""
    with clock.frozen(NOW):
        yield


def _redeem(owner, reward, **options) -> Redemption:
    redemption = services.redeem(
        db.session, user=owner, reward_id=reward.id, now=clock.now(), **options
    )
    db.session.commit()
    return redemption


def _stock(*rewards) -> list[int | None]:
    for reward in rewards:
        db.session.refresh(reward)
    return [reward.stock for reward in rewards]


def _state(redemption: Redemption) -> tuple:
    db.session.refresh(redemption)
    return (
        redemption.status,
        redemption.decided_at,
        redemption.decided_by_id,
        redemption.fulfilled_on,
        redemption.staff_note,
    )


UNDECIDED = (RedemptionStatus.PENDING, None, None, None, None)


# --- Stock -------------------------------------------------------------------------------


def test_taking_one_from_stock_leaves_every_other_reward_alone(make_reward):
    chosen, other, unlimited = (
        make_reward("Detailing", stock=3),
        make_reward("Track day", stock=3),
        make_reward("Coffee", stock=None),
    )
    assert services.take_one_from_stock(db.session, chosen.id) is True
    db.session.commit()
    assert _stock(chosen, other, unlimited) == [2, 3, None]


def test_an_unlimited_reward_can_always_be_taken_and_stays_unlimited(make_reward):
    unlimited, other = make_reward("Coffee", stock=None), make_reward("Track day", stock=1)
    assert services.take_one_from_stock(db.session, unlimited.id) is True
    assert services.take_one_from_stock(db.session, unlimited.id) is True
    db.session.commit()
    assert _stock(unlimited, other) == [None, 1]


def test_the_last_one_is_taken_once_and_an_empty_reward_refuses(make_reward):
    last, empty, other = (
        make_reward("Detailing", stock=1),
        make_reward("Track day", stock=0),
        make_reward("Coffee", stock=4),
    )
    assert services.take_one_from_stock(db.session, last.id) is True
    assert services.take_one_from_stock(db.session, last.id) is False
    assert services.take_one_from_stock(db.session, empty.id) is False
    db.session.commit()
    assert _stock(last, empty, other) == [0, 0, 4]


def test_a_reward_that_does_not_exist_takes_nothing(make_reward):
    other = make_reward(stock=2)
    assert services.take_one_from_stock(db.session, other.id + 99) is False
    db.session.commit()
    assert _stock(other) == [2]


# --- Redeeming ---------------------------------------------------------------------------


def test_redeeming_writes_one_redemption_and_one_ledger_line_for_this_owner_only(
    make_owner, make_reward, give_points
):
    olivia, sam = make_owner(name="Olivia Owner"), make_owner(name="Sam Smith")
    give_points(olivia, 300)
    give_points(sam, 300)
    reward, other = make_reward("Detailing", points_cost=120, stock=5), make_reward(stock=5)
    redemption = _redeem(olivia, reward, request_token="form-1")
    db.session.refresh(redemption)
    assert (redemption.user_id, redemption.reward_id, redemption.points) == (
        olivia.id,
        reward.id,
        120,
    )
    assert redemption.status == RedemptionStatus.PENDING
    assert redemption.request_token == "form-1"
    assert redemption.created_at == NOW
    assert (redemption.cause, redemption.drive_id) == (None, None)
    line = db.session.scalar(select(PointsEntry).where(PointsEntry.redemption_id == redemption.id))
    assert (line.user_id, line.points, line.reason) == (olivia.id, -120, "Redeemed: Detailing")
    assert line.idempotency_key == f"redemption:{redemption.id}"
    assert line.created_at == NOW
    assert points_balance(db.session, olivia.id) == 180
    assert points_balance(db.session, sam.id) == 300
    assert _stock(reward, other) == [4, 5]


def test_a_redemption_is_dated_by_the_time_it_is_given(make_owner, make_reward, give_points):
    owner = make_owner()
    give_points(owner, 300)
    later = NOW + timedelta(hours=3)
    redemption = services.redeem(db.session, user=owner, reward_id=make_reward().id, now=later)
    db.session.commit()
    db.session.refresh(redemption)
    line = db.session.scalar(select(PointsEntry).where(PointsEntry.redemption_id == redemption.id))
    assert (redemption.created_at, line.created_at) == (later, later)


def test_redeeming_without_a_token_stores_none(make_owner, make_reward, give_points):
    owner = make_owner()
    give_points(owner, 300)
    redemption = _redeem(owner, make_reward(), request_token="")
    db.session.refresh(redemption)
    assert redemption.request_token is None


def test_a_balance_exactly_the_cost_is_enough_and_leaves_zero(make_owner, make_reward, give_points):
    owner = make_owner()
    give_points(owner, 100)
    _redeem(owner, make_reward(points_cost=100))
    assert points_balance(db.session, owner.id) == 0


def test_a_balance_one_short_is_refused_with_both_figures(make_owner, make_reward, give_points):
    owner = make_owner()
    give_points(owner, 1_199)
    with pytest.raises(ServiceError) as refused:
        _redeem(owner, make_reward(points_cost=1_200))
    assert refused.value.message == "You have 1,199 points; this reward needs 1,200."
    db.session.rollback()
    assert points_balance(db.session, owner.id) == 1_199


def test_the_tier_a_reward_asks_for_is_enough(make_owner, make_reward, give_points):
    advocate = make_owner(tier_level=1)
    member = make_owner(tier_level=0)
    for owner in (advocate, member):
        give_points(owner, 500)
    reward = make_reward(min_tier=1, stock=2)
    _redeem(advocate, reward)
    with pytest.raises(ServiceError, match="opens at a higher tier"):
        _redeem(member, reward)
    db.session.rollback()
    assert _stock(reward) == [1]


@pytest.mark.parametrize(
    ("window", "offered"),
    [
        ({"available_from": NOW}, True),
        ({"available_from": NOW + timedelta(microseconds=1)}, False),
        ({"available_until": NOW + timedelta(microseconds=1)}, True),
        ({"available_until": NOW}, False),
        ({"is_active": False}, False),
    ],
)
def test_redeeming_respects_the_window_to_the_instant(
    make_owner, make_reward, give_points, window, offered
):
    owner = make_owner()
    give_points(owner, 500)
    reward = make_reward(**window)
    if offered:
        _redeem(owner, reward)
        assert points_balance(db.session, owner.id) == 400
    else:
        with pytest.raises(ServiceError, match="no longer offered"):
            _redeem(owner, reward)


def test_redeeming_reads_the_reward_afresh_not_from_the_session(
    make_owner, make_reward, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    reward = make_reward(stock=3)
    assert reward.is_active is True  # loaded into the session
    # Retired by a coordinator meanwhile; the session still holds the old row.
    db.session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ServiceError, match="no longer offered"):
        services.redeem(db.session, user=owner, reward_id=reward.id, now=NOW)


def test_a_reward_that_does_not_exist_is_not_offered(make_owner, give_points):
    owner = make_owner()
    give_points(owner, 500)
    with pytest.raises(ServiceError) as refused:
        services.redeem(db.session, user=owner, reward_id=404, now=NOW)
    assert refused.value.message == "This reward is no longer offered."


def test_a_repeated_submit_finds_only_its_own_owners_redemption(
    make_owner, make_reward, give_points
):
    olivia, sam = make_owner(), make_owner()
    give_points(olivia, 500)
    give_points(sam, 500)
    reward = make_reward(stock=5)
    first = _redeem(olivia, reward, request_token="olivia-form")
    again = _redeem(olivia, reward, request_token="olivia-form")
    assert again.id == first.id
    other_form = _redeem(olivia, reward, request_token="olivia-second-form")
    sams = _redeem(sam, reward, request_token="sam-form")
    assert len({first.id, other_form.id, sams.id}) == 3
    assert sams.user_id == sam.id
    assert points_balance(db.session, olivia.id) == 300
    assert _stock(reward) == [2]


def test_another_owners_request_token_never_hands_over_their_redemption(
    make_owner, make_reward, give_points
):
    olivia, sam = make_owner(), make_owner()
    give_points(olivia, 500)
    give_points(sam, 500)
    reward = make_reward(stock=5)
    olivias = _redeem(olivia, reward, request_token="olivia-form")
    with pytest.raises(IntegrityError):  # the token is unique: Sam's copy is refused
        services.redeem(
            db.session, user=sam, reward_id=reward.id, now=NOW, request_token="olivia-form"
        )
    db.session.rollback()
    assert db.session.scalars(select(Redemption.user_id)).all() == [olivia.id]
    assert olivias.user_id == olivia.id
    assert points_balance(db.session, sam.id) == 500


# --- Giving points to a drive -------------------------------------------------------------


@pytest.fixture
def giving(make_reward):
    return make_reward("Give to a drive", category=Category.ALTRUISTIC, points_cost=200)


def test_an_altruistic_redemption_names_the_drive_and_gives_to_it_alone(
    make_owner, make_drive, giving, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    chosen, other = make_drive("Coats for Kids"), make_drive("Food Bank")
    redemption = _redeem(owner, giving, drive_id=chosen.id)
    db.session.refresh(redemption)
    assert (redemption.cause, redemption.drive_id) == ("Coats for Kids", chosen.id)
    line = db.session.scalar(select(PointsEntry).where(PointsEntry.redemption_id == redemption.id))
    assert line.reason == "Redeemed: Give to a drive for Coats for Kids"
    gifts = db.session.scalars(select(Contribution)).all()
    assert [(gift.drive_id, gift.user_id, gift.points) for gift in gifts] == [
        (chosen.id, owner.id, 200)
    ]
    assert gifts[0].idempotency_key == f"redemption:{redemption.id}"
    assert gifts[0].created_at == NOW
    assert other.id not in {gift.drive_id for gift in gifts}


@pytest.mark.parametrize("status", [DriveStatus.DRAFT, DriveStatus.CLOSED])
def test_an_altruistic_reward_refuses_a_drive_that_is_not_open(
    make_owner, make_drive, giving, give_points, status
):
    owner = make_owner()
    give_points(owner, 500)
    drive = make_drive(status=status)
    with pytest.raises(ServiceError) as refused:
        _redeem(owner, giving, drive_id=drive.id)
    assert refused.value.field == "drive"
    assert "isn't taking gifts" in refused.value.message


def test_an_altruistic_reward_asks_for_a_drive_next_to_the_drive_field(
    make_owner, giving, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    with pytest.raises(ServiceError) as refused:
        _redeem(owner, giving)
    assert (refused.value.field, refused.value.message) == (
        "drive",
        "Choose the charity drive your points should go to.",
    )


def test_an_altruistic_reward_refuses_an_unknown_drive(make_owner, giving, give_points):
    owner = make_owner()
    give_points(owner, 500)
    with pytest.raises(ServiceError) as refused:
        _redeem(owner, giving, drive_id=404)
    assert refused.value.field == "drive"


def test_an_ordinary_reward_ignores_a_drive_it_was_given(
    make_owner, make_reward, make_drive, give_points
):
    owner = make_owner()
    give_points(owner, 500)
    drive = make_drive()
    redemption = _redeem(owner, make_reward(), drive_id=drive.id)
    db.session.refresh(redemption)
    assert (redemption.cause, redemption.drive_id) == (None, None)
    assert db.session.scalars(select(Contribution)).all() == []


# --- Deciding ----------------------------------------------------------------------------


@pytest.fixture
def two_pending(make_owner, make_reward, give_points):
    """Olivia's and Sam's pending redemptions of two stocked rewards."""
    olivia, sam = make_owner(name="Olivia Owner"), make_owner(name="Sam Smith")
    give_points(olivia, 500)
    give_points(sam, 500)
    detailing = make_reward("Detailing", points_cost=150, stock=5)
    track_day = make_reward("Track day", points_cost=150, stock=5)
    return _redeem(olivia, detailing), _redeem(sam, track_day)


def test_fulfilling_one_redemption_leaves_the_other_pending(two_pending, coordinator):
    mine, theirs = two_pending
    services.fulfil(
        db.session,
        redemption=mine,
        actor=coordinator,
        fulfilled_on=date(2026, 6, 3),
        note="  Booked for Saturday at ten.  ",
        now=DECIDED,
    )
    db.session.commit()
    assert _state(mine) == (
        RedemptionStatus.FULFILLED,
        DECIDED,
        coordinator.id,
        date(2026, 6, 3),
        "Booked for Saturday at ten.",
    )
    assert _state(theirs) == UNDECIDED


def test_a_blank_note_is_stored_as_none(two_pending, coordinator):
    mine, _ = two_pending
    services.fulfil(
        db.session,
        redemption=mine,
        actor=coordinator,
        fulfilled_on=date(2026, 6, 3),
        note="   ",
        now=DECIDED,
    )
    assert mine.staff_note is None
    services.decline(db.session, redemption=two_pending[1], actor=coordinator, note=None, now=NOW)
    assert two_pending[1].staff_note is None


def test_without_a_note_none_is_stored_either_way(two_pending, coordinator):
    mine, theirs = two_pending
    services.fulfil(
        db.session, redemption=mine, actor=coordinator, fulfilled_on=None, note=None, now=NOW
    )
    services.decline(db.session, redemption=theirs, actor=coordinator, note="  ", now=NOW)
    db.session.commit()
    assert _state(mine)[-1] is None
    assert _state(theirs)[-1] is None


def test_a_decided_redemption_cannot_be_decided_again(two_pending, coordinator):
    mine, theirs = two_pending
    services.fulfil(
        db.session, redemption=mine, actor=coordinator, fulfilled_on=None, note=None, now=NOW
    )
    db.session.commit()
    with pytest.raises(ServiceError) as declined:
        services.decline(db.session, redemption=mine, actor=coordinator, note=None, now=NOW)
    with pytest.raises(ServiceError) as fulfilled:
        services.fulfil(
            db.session, redemption=mine, actor=coordinator, fulfilled_on=None, note=None, now=NOW
        )
    for refused in (declined, fulfilled):
        assert refused.value.message == "This redemption was already fulfilled or declined."
    db.session.rollback()
    assert _state(mine)[0] == RedemptionStatus.FULFILLED
    assert _state(theirs) == UNDECIDED


def test_declining_one_redemption_restocks_and_refunds_only_that_one(two_pending, coordinator):
    mine, theirs = two_pending
    to_dispatch = services.decline(
        db.session, redemption=mine, actor=coordinator, note=" Sold out locally. ", now=DECIDED
    )
    db.session.commit()
    assert to_dispatch == []  # no seat, so nobody is promoted and told
    assert _state(mine) == (
        RedemptionStatus.DECLINED,
        DECIDED,
        coordinator.id,
        None,
        "Sold out locally.",
    )
    assert _state(theirs) == UNDECIDED
    assert _stock(mine.reward, theirs.reward) == [5, 4]
    assert points_balance(db.session, mine.user_id) == 500
    assert points_balance(db.session, theirs.user_id) == 350
    refund = db.session.scalar(
        select(PointsEntry).where(PointsEntry.redemption_id == mine.id, PointsEntry.points > 0)
    )
    assert refund.user_id == mine.user_id
    assert refund.reason == "Returned: Detailing"
    assert refund.idempotency_key == f"redemption:{mine.id}:reversal"
    assert refund.created_at == DECIDED


def test_declining_an_unlimited_reward_keeps_it_unlimited(
    make_owner, make_reward, give_points, coordinator
):
    owner = make_owner()
    give_points(owner, 500)
    unlimited, stocked = make_reward("Coffee", stock=None), make_reward("Mug", stock=3)
    redemption = _redeem(owner, unlimited)
    services.decline(db.session, redemption=redemption, actor=coordinator, note=None, now=NOW)
    db.session.commit()
    assert _stock(unlimited, stocked) == [None, 3]


def test_declining_a_gift_takes_it_back_from_its_drive_only(
    make_owner, make_drive, giving, give_points, coordinator
):
    olivia, sam = make_owner(), make_owner()
    for owner in (olivia, sam):
        give_points(owner, 500)
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    mine = _redeem(olivia, giving, drive_id=coats.id)
    theirs = _redeem(sam, giving, drive_id=food.id)
    services.decline(db.session, redemption=mine, actor=coordinator, note=None, now=NOW)
    db.session.commit()
    rows = db.session.execute(
        select(Contribution.drive_id, Contribution.points).order_by(Contribution.id)
    ).all()
    assert rows == [(coats.id, 200), (food.id, 200), (coats.id, -200)]
    assert _state(theirs) == UNDECIDED


# --- Messages about a decision -------------------------------------------------------------


def test_the_owner_hears_about_each_decision_under_its_own_key(two_pending, coordinator):
    mine, theirs = two_pending
    services.fulfil(
        db.session,
        redemption=mine,
        actor=coordinator,
        fulfilled_on=None,
        note="Ready at the front desk.",
        now=NOW,
    )
    services.decline(db.session, redemption=theirs, actor=coordinator, note=None, now=NOW)
    ids = services.tell_owner_of_decision(db.session, mine, detail_path="/rewards/1", now=DECIDED)
    ids += services.tell_owner_of_decision(
        db.session, theirs, detail_path="/rewards/2", now=DECIDED
    )
    db.session.commit()
    sent = {n.user_id: n for n in db.session.scalars(select(Notification))}
    assert len(ids) == 2
    ready, sorry = sent[mine.user_id], sent[theirs.user_id]
    assert ready.key == f"redemption:{mine.id}:fulfilled"
    assert ready.subject == "Your Detailing is ready"
    assert ready.body.startswith("Hello Olivia,")
    assert ready.body.endswith("Thank you for being part of the club.\n\nReady at the front desk.")
    assert (ready.action_path, ready.action_label) == ("/rewards/1", "See the details")
    assert ready.kind == "reward"
    assert sorry.key == f"redemption:{theirs.id}:declined"
    assert sorry.subject == "About your Track day"
    assert sorry.body.endswith("your 150 points are back in your balance.")
    assert ready.created_at == sorry.created_at == DECIDED


def test_a_declined_gift_says_it_left_the_drive(
    make_owner, make_drive, giving, give_points, coordinator
):
    owner = make_owner(name="Olivia Owner")
    give_points(owner, 5_000)
    drive = make_drive("Coats for Kids")
    giving.points_cost = 1_500
    db.session.commit()
    redemption = _redeem(owner, giving, drive_id=drive.id)
    services.decline(db.session, redemption=redemption, actor=coordinator, note="Sorry.", now=NOW)
    services.tell_owner_of_decision(db.session, redemption, detail_path="/rewards/1", now=NOW)
    db.session.commit()
    body = db.session.scalar(select(Notification.body))
    assert body.endswith(
        "your 1,500 points are back in your balance. The gift to Coats for Kids has been "
        "taken off the drive's total.\n\nSorry."
    )


# --- The catalogue ------------------------------------------------------------------------


def test_saving_a_reward_sets_every_field_and_its_window(app):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    values = {
        "name": "Track day",
        "description": None,
        "category": Category.EXPERIENTIAL,
        "points_cost": 900,
        "min_tier": 2,
        "stock": 4,
        "is_active": True,
    }
    reward = services.save_reward(
        db.session, None, values, first_day=date(2026, 7, 1), last_day=date(2026, 7, 31), zone=zone
    )
    db.session.commit()
    db.session.refresh(reward)
    assert (reward.name, reward.description, reward.points_cost) == ("Track day", "", 900)
    assert (reward.min_tier, reward.stock, reward.is_active) == (2, 4, True)
    assert reward.available_from == datetime(2026, 7, 1, 4, tzinfo=UTC)
    assert reward.available_until == datetime(2026, 8, 1, 4, tzinfo=UTC)
    other = services.save_reward(
        db.session,
        None,
        values | {"name": "Coffee", "description": "A cup."},
        first_day=None,
        last_day=None,
        zone=zone,
    )
    changed = services.save_reward(
        db.session, reward, values | {"stock": 1}, first_day=None, last_day=None, zone=zone
    )
    db.session.commit()
    assert changed.id == reward.id
    assert (changed.stock, changed.available_from, changed.available_until) == (1, None, None)
    assert (other.description, other.stock) == ("A cup.", 4)
    assert db.session.scalar(select(Reward.name).where(Reward.id == other.id)) == "Coffee"
