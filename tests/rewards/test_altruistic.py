"""Altruistic rewards give points to an open charity drive; declining takes the gift back."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import Role, User
from portal.charity.models import Contribution, DriveStatus, GoalKind
from portal.charity.queries import drive_totals
from portal.charity.services import close_drive
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.points.queries import points_balance
from portal.rewards import services
from portal.rewards.models import Category, Redemption
from tests.conftest import TEST_PASSWORD
from tests.events.conftest import LiveSession

HTMX = {"HX-Request": "true"}


@pytest.fixture
def giving(make_reward):
    """The catalogue's 'give your points to a charity drive' reward (250 points)."""
    return make_reward(
        name="Give your points to a charity drive",
        category=Category.ALTRUISTIC,
        points_cost=250,
    )


def _redeem(owner, reward, drive=None, token=None) -> Redemption:
    redemption = services.redeem(
        db.session,
        user=db.session.get(User, owner.id),
        reward_id=reward.id,
        now=clock.now(),
        drive_id=drive.id if drive else None,
        request_token=token,
    )
    db.session.commit()
    return redemption


def _decline(redemption, coordinator) -> None:
    services.decline(
        db.session, redemption=redemption, actor=coordinator, note=None, now=clock.now()
    )
    db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_redeeming_moves_the_drive_total_by_the_converted_amount(
    make_owner, make_drive, giving, give_points
):
    write_settings(db.session, {"charity.points_per_dollar": 50})
    drive = make_drive(name="Coats for Kids")
    owner = make_owner()
    give_points(owner, 300)
    before = drive_totals(db.session, drive)
    redemption = _redeem(owner, giving, drive)
    after = drive_totals(db.session, drive)
    assert after.received - before.received == 5_00  # 250 points at 50 a dollar
    assert after.points_value == 5_00 and after.participants == 1
    assert (redemption.drive_id, redemption.cause) == (drive.id, "Coats for Kids")
    assert points_balance(db.session, owner.id) == 50
    gift = db.session.scalar(select(Contribution))
    assert (gift.kind, gift.points, gift.idempotency_key) == (
        "points",
        250,
        f"redemption:{redemption.id}",
    )


def test_item_drives_count_whole_items_at_their_own_rate(
    make_owner, make_drive, giving, give_points
):
    toys = make_drive(
        name="Toys", goal_kind=GoalKind.ITEMS, goal_amount=500, unit_label="toys",
        points_per_item=100,
    )  # fmt: skip
    owner = make_owner()
    give_points(owner, 250)
    _redeem(owner, giving, toys)
    assert drive_totals(db.session, toys).points_value == 2  # 250 points make 2 toys


def test_declining_takes_the_gift_back_and_the_total_drops_back(
    make_owner, make_user, make_drive, giving, give_points
):
    drive = make_drive()
    owner = make_owner()
    give_points(owner, 250)
    redemption = _redeem(owner, giving, drive)
    assert drive_totals(db.session, drive).received == 2_50
    _decline(redemption, make_user(role=Role.COORDINATOR))
    totals = drive_totals(db.session, drive)
    assert (totals.received, totals.committed, totals.participants) == (0, 0, 0)
    assert points_balance(db.session, owner.id) == 250
    keys = set(db.session.scalars(select(Contribution.idempotency_key)))
    assert keys == {f"redemption:{redemption.id}", f"redemption:{redemption.id}:reversed"}
    # Declined twice (a double click): refused, and the drive is not reduced again.
    with pytest.raises(ServiceError):
        services.decline(db.session, redemption=redemption, actor=owner, note=None, now=clock.now())
    db.session.rollback()
    assert drive_totals(db.session, drive).received == 0


def test_a_taken_back_gift_earns_no_thank_you_when_the_drive_closes(
    make_owner, make_user, make_drive, giving, give_points, pledge
):
    drive = make_drive()
    owner, pledger = make_owner(), make_owner()
    give_points(owner, 250)
    _decline(_redeem(owner, giving, drive), make_user(role=Role.COORDINATOR))
    pledge(drive, pledger, 20_00)
    created = close_drive(db.session, drive, clock.now(), "Harbourside Motors")
    db.session.commit()
    assert len(created) == 1  # only the pledger


@pytest.mark.parametrize(
    ("drive_status", "message"),
    [
        (None, "Choose the charity drive your points should go to."),
        (DriveStatus.CLOSED, "That drive isn't taking gifts any more. Please choose another one."),
        (DriveStatus.DRAFT, "That drive isn't taking gifts any more. Please choose another one."),
        ("ended", "This drive has ended. Thank you for thinking of it."),
    ],
)
def test_points_go_only_to_a_drive_taking_gifts_and_a_refusal_changes_nothing(
    make_owner, make_drive, giving, give_points, drive_status, message
):
    owner = make_owner()
    give_points(owner, 300)
    drive = None
    if drive_status == "ended":
        drive = make_drive(ends_on=clock.now().date() - timedelta(days=3))
    elif drive_status:
        drive = make_drive(status=drive_status)
    with pytest.raises(ServiceError) as refused:
        _redeem(owner, giving, drive)
    assert refused.value.message == message
    db.session.rollback()
    assert (_count(Redemption), _count(Contribution)) == (0, 0)
    assert points_balance(db.session, owner.id) == 300


def test_the_redeem_form_offers_open_drives_with_what_the_points_give(
    client, login, make_owner, make_drive, giving, give_points
):
    open_drive = make_drive(name="Coats for Kids")
    make_drive(name="Quiet draft", status=DriveStatus.DRAFT)
    make_drive(name="Finished", status=DriveStatus.CLOSED)
    make_drive(name="Starts later", starts_on=clock.now().date() + timedelta(days=30))
    owner = make_owner()
    give_points(owner, 300)
    login(owner)
    page = client.get(f"/rewards/{giving.id}/redeem").get_data(as_text=True)
    assert f'<option value="{open_drive.id}">Coats for Kids: gives $2.50</option>' in page
    for hidden in ("Quiet draft", "Finished", "Starts later"):
        assert hidden not in page
    # One-time token per confirm step, so a double submit redeems once.
    assert re.search(r'<input type="hidden" name="token" value="[\w-]{32}">', page)


def test_without_an_open_drive_the_reward_says_so_and_offers_no_button(
    client, login, make_owner, make_drive, giving, give_points
):
    make_drive(status=DriveStatus.CLOSED)
    owner = make_owner()
    give_points(owner, 300)
    login(owner)
    page = client.get("/rewards").get_data(as_text=True)
    assert "No charity drive is taking gifts right now" in page
    assert 'name="drive"' not in page


def test_redeeming_through_the_page_with_htmx_and_without(
    client, login, make_owner, make_drive, giving, give_points
):
    drive = make_drive(name="Coats for Kids")
    owner = make_owner(name="Grace Whitfield")
    give_points(owner, 600)
    login(owner)
    response = client.post(
        f"/rewards/{giving.id}/redeem", data={"drive": drive.id, "token": "a" * 32}, headers=HTMX
    )
    assert response.status_code == 200
    assert "your 250 points are now part of Coats for Kids" in response.get_data(as_text=True)
    response = client.post(f"/rewards/{giving.id}/redeem", data={"drive": drive.id})
    assert response.status_code == 303
    assert drive_totals(db.session, drive).points_value == 5_00
    mine = client.get("/rewards").get_data(as_text=True)
    assert "for Coats for Kids" in mine
    redemption_id = db.session.scalar(select(func.min(Redemption.id)))
    detail = client.get(f"/rewards/redemptions/{redemption_id}").get_data(as_text=True)
    assert f'href="/drives/{drive.id}">Coats for Kids</a>' in detail


def test_coordinator_declines_on_the_admin_page_and_the_owner_is_told(
    client, login, make_owner, make_user, make_drive, giving, give_points
):
    drive = make_drive(name="Coats for Kids")
    owner = make_owner()
    give_points(owner, 250)
    redemption = _redeem(owner, giving, drive)
    login(make_user(role=Role.COORDINATOR))
    page = client.get(f"/admin/rewards/redemptions/{redemption.id}").get_data(as_text=True)
    assert f'href="/admin/charity/{drive.id}">Coats for Kids</a>' in page
    assert "comes off the Coats for Kids total" in page
    response = client.post(f"/admin/rewards/redemptions/{redemption.id}/decline", data={})
    assert response.status_code == 303
    assert drive_totals(db.session, drive).received == 0
    told = db.session.scalar(select(Notification.body).where(Notification.user_id == owner.id))
    assert "The gift to Coats for Kids has been taken off the drive's total." in told


def _double_submit(live_server, owner, reward_id: int, drive_id: int, token: str | None):
    """The same redeem form posted twice at once from one signed-in browser."""
    email = owner.email
    db.session.commit()  # and touch no ORM object until the end: SQLite's write lock
    session = LiveSession(live_server)
    token_for_login = session.csrf_token("/login")
    credentials = {"email": email, "password": TEST_PASSWORD}
    assert session.request("/login", credentials | {"csrf_token": token_for_login})[0] == 303
    session.token = session.csrf_token("/rewards")
    barrier = threading.Barrier(2)
    form = {"drive": drive_id} | ({"token": token} if token else {})

    def submit(_):
        barrier.wait()
        return session.post(f"/rewards/{reward_id}/redeem", form)[0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(submit, range(2)))
    db.session.expire_all()
    return statuses


def test_a_double_submitted_redeem_form_counts_once(
    live_server, make_owner, make_drive, giving, give_points
):
    drive = make_drive()
    owner = make_owner()
    give_points(owner, 1_000)
    owner_id = owner.id
    statuses = _double_submit(live_server, owner, giving.id, drive.id, token="t" * 32)
    assert statuses == [303, 303]
    assert _count(Redemption) == 1
    assert drive_totals(db.session, drive).points_value == 2_50
    assert points_balance(db.session, owner_id) == 750


def test_control_without_the_form_token_a_double_submit_gives_twice(
    live_server, make_owner, make_drive, giving, give_points
):
    drive = make_drive()
    owner = make_owner()
    give_points(owner, 1_000)
    statuses = _double_submit(live_server, owner, giving.id, drive.id, token=None)
    assert statuses == [303, 303]
    assert _count(Redemption) == 2
    assert drive_totals(db.session, drive).points_value == 5_00


def test_the_owner_and_the_team_see_a_returned_gift_for_what_it_is(
    client, login, make_owner, make_user, make_drive, giving, give_points
):
    drive = make_drive()
    owner = make_owner()
    give_points(owner, 250)
    coordinator = make_user(role=Role.COORDINATOR)
    _decline(_redeem(owner, giving, drive), coordinator)
    login(owner)
    mine = client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "−$2.50: your 250 points came back to you" in mine
    client.post("/logout")
    login(coordinator)
    assert "Points returned" in client.get(f"/admin/charity/{drive.id}").get_data(as_text=True)
