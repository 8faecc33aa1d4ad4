"""Charity changes through the services: each pledge, gift, receipt, link and status change
touches only the drive, owner or row it names; a second one stays exactly as it was."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from portal import clock
from portal.charity import services
from portal.charity.models import Contribution, ContributionKind, Drive, DriveEvent, DriveStatus
from portal.charity.queries import drive_totals
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.models import Notification
from tests.factories import today

NOW = datetime(2026, 11, 20, 17, tzinfo=UTC)
#: A 1x1 PNG's signature and header: enough for the cover check.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def _pledge(drive, owner, amount=25_00, **options) -> Contribution:
    values = {"message": None, "show_name": False, "now": NOW, "today": today()} | options
    contribution = services.record_pledge(
        db.session, drive=drive, user=owner, amount=amount, **values
    )
    db.session.commit()
    return contribution


def _rows(drive) -> list[tuple]:
    return db.session.execute(
        select(Contribution.user_id, Contribution.kind, Contribution.amount, Contribution.points)
        .where(Contribution.drive_id == drive.id)
        .order_by(Contribution.id)
    ).all()


# --- Pledges ------------------------------------------------------------------------------------


def test_a_pledge_is_written_as_given_to_its_drive_only(make_drive, make_owner, coordinator):
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    olivia = make_owner()
    pledge = _pledge(
        coats, olivia, 40_00, message="  For the little ones.  ", show_name=True,
        request_token="form-1",
    )  # fmt: skip
    db.session.refresh(pledge)
    assert (pledge.drive_id, pledge.user_id, pledge.kind, pledge.amount) == (
        coats.id,
        olivia.id,
        ContributionKind.PLEDGE,
        40_00,
    )
    assert (pledge.message, pledge.show_name, pledge.request_token) == (
        "For the little ones.",
        True,
        "form-1",
    )
    assert (pledge.created_at, pledge.received_at, pledge.received_by_id) == (NOW, None, None)
    assert _rows(food) == []
    taken = _pledge(food, olivia, 10_00, received_by=coordinator, request_token="")
    db.session.refresh(taken)
    assert (taken.received_at, taken.received_by_id, taken.request_token) == (
        NOW,
        coordinator.id,
        None,
    )
    assert taken.message is None


def test_staff_cannot_pledge_for_themselves(make_drive, coordinator):
    with pytest.raises(ServiceError) as refused:
        _pledge(make_drive(), coordinator)
    assert refused.value.message == (
        "Pledges come from owners; staff record them on an owner's behalf."
    )


def test_a_repeated_form_finds_only_its_own_owners_pledge(make_drive, make_owner):
    drive = make_drive()
    olivia, sam = make_owner(), make_owner()
    first = _pledge(drive, olivia, 20_00, request_token="same-token")
    assert _pledge(drive, olivia, 20_00, request_token="same-token").id == first.id
    sams = _pledge(drive, sam, 30_00, request_token="same-token")
    assert sams.id != first.id
    assert _rows(drive) == [
        (olivia.id, "pledge", 20_00, None),
        (sam.id, "pledge", 30_00, None),
    ]


def test_each_new_form_of_the_same_owner_makes_its_own_pledge(make_drive, make_owner):
    drive, olivia = make_drive(), make_owner()
    first = _pledge(drive, olivia, 20_00, request_token="form-1")
    second = _pledge(drive, olivia, 20_00, request_token="form-2")
    assert second.id != first.id
    assert _pledge(drive, olivia, 20_00, request_token="form-2").id == second.id
    assert _rows(drive) == [(olivia.id, "pledge", 20_00, None)] * 2


def test_a_pledge_is_stamped_with_the_time_given_not_the_clock(make_drive, make_owner):
    earlier = NOW - timedelta(hours=3)
    pledge = _pledge(make_drive(), make_owner(), now=earlier)
    db.session.refresh(pledge)
    assert pledge.created_at == earlier


def test_a_pledge_without_a_token_is_never_taken_for_an_earlier_one(make_drive, make_owner):
    drive, olivia = make_drive(), make_owner()
    _pledge(drive, olivia, 20_00, request_token=None)
    _pledge(drive, olivia, 20_00, request_token=None)
    assert len(_rows(drive)) == 2


@pytest.mark.parametrize(
    ("days", "accepted"),
    [
        ({"starts_on": 0}, True),
        ({"starts_on": 1}, False),
        ({"ends_on": 0}, True),
        ({"ends_on": -1}, False),
    ],
)
def test_pledges_are_taken_from_the_first_day_to_the_last(make_drive, make_owner, days, accepted):
    dates = {name: today() + timedelta(days=offset) for name, offset in days.items()}
    drive, bystander = make_drive(**dates), make_drive("Food Bank")
    owner = make_owner()
    if accepted:
        _pledge(drive, owner)
        assert len(_rows(drive)) == 1
    else:
        with pytest.raises(ServiceError) as refused:
            _pledge(drive, owner)
        expected = (
            f"Pledges open on {drive.starts_on:%-d %B}."
            if "starts_on" in days
            else "This drive has ended. Thank you for thinking of it."
        )
        assert refused.value.message == expected
        db.session.rollback()
        assert _rows(drive) == []
    assert _rows(bystander) == []


@pytest.mark.parametrize("status", [DriveStatus.DRAFT, DriveStatus.CLOSED])
def test_a_drive_that_is_not_open_takes_no_pledge(make_drive, make_owner, status):
    drive = make_drive(status=status)
    with pytest.raises(ServiceError) as refused:
        _pledge(drive, make_owner())
    assert refused.value.message == (
        "This drive isn't taking pledges any more. Thank you for thinking of it."
    )


def test_staff_record_a_pledge_for_the_owner_with_that_email(make_drive, make_owner, coordinator):
    drive = make_drive()
    olivia, _ = make_owner(email="olivia@example.com"), make_owner(email="sam@example.com")
    pledge = services.record_pledge_for(
        db.session, email="  Olivia@Example.COM ", drive=drive, amount=15_00, message=None,
        show_name=False, now=NOW, today=today(), received_by=coordinator,
    )  # fmt: skip
    assert (pledge.user_id, pledge.received_by_id) == (olivia.id, coordinator.id)
    with pytest.raises(ServiceError) as refused:
        services.record_pledge_for(
            db.session, email="nobody@example.com", drive=drive, amount=15_00, message=None,
            show_name=False, now=NOW, today=today(),
        )  # fmt: skip
    assert (refused.value.field, refused.value.message) == (
        "email",
        "No owner has that email address.",
    )


# --- Points gifts -------------------------------------------------------------------------------


def _give(drive, owner, points=500, key="redemption:1", **options):
    given = services.record_points_donation(
        db.session, drive=drive, user=owner, points=points, idempotency_key=key, now=NOW, **options
    )
    db.session.commit()
    return given


def test_points_are_worth_the_dealerships_rate(make_drive):
    money, items = (
        make_drive(),
        make_drive(goal_kind="items", unit_label="toys", points_per_item=300),
    )
    assert services.points_value(db.session, money, 250) == 2_50
    write_settings(db.session, {"charity.points_per_dollar": 50})
    assert services.points_value(db.session, money, 250) == 5_00
    assert services.points_value(db.session, items, 899) == 2


def test_a_points_gift_counts_once_toward_its_drive_only(make_drive, make_owner):
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    olivia = make_owner()
    first = _give(coats, olivia, 500, show_name=True)
    assert _give(coats, olivia, 500) is None
    gift = db.session.get(Contribution, first)
    assert (gift.drive_id, gift.user_id, gift.kind, gift.amount, gift.points) == (
        coats.id,
        olivia.id,
        ContributionKind.POINTS,
        5_00,
        500,
    )
    assert (gift.show_name, gift.created_at, gift.received_at) == (True, NOW, NOW)
    assert gift.idempotency_key == "redemption:1"
    assert _rows(food) == []
    anonymous = db.session.get(Contribution, _give(food, olivia, 200, key="redemption:2"))
    assert anonymous.show_name is False


@pytest.mark.parametrize("points", [0, -100])
def test_no_points_is_no_gift(make_drive, make_owner, points):
    drive = make_drive()
    with pytest.raises(ServiceError) as refused:
        _give(drive, make_owner(), points)
    assert (refused.value.field, refused.value.message) == (
        "points",
        "Choose how many points to give.",
    )


def test_too_few_points_for_a_whole_gift_are_refused(make_drive, make_owner):
    drive = make_drive(goal_kind="items", unit_label="toys", goal_amount=300, points_per_item=300)
    with pytest.raises(ServiceError) as refused:
        _give(drive, make_owner(), 299)
    assert (refused.value.field, refused.value.message) == (
        "points",
        "That is not quite enough points to make a whole gift to this drive.",
    )
    given = _give(drive, make_owner(), 300)
    assert db.session.get(Contribution, given).amount == 1


def test_a_gift_uses_the_day_at_the_dealership_when_no_day_is_given(make_drive, make_owner):
    # 02:00 UTC on the 21st is still the 20th in New York: the drive's last day.
    late = datetime(2026, 11, 21, 2, tzinfo=UTC)
    drive = make_drive(
        starts_on=late.date() - timedelta(days=5), ends_on=late.date() - timedelta(days=1)
    )
    given = services.record_points_donation(
        db.session, drive=drive, user=make_owner(), points=200, idempotency_key="k", now=late
    )
    assert db.session.get(Contribution, given).created_at == late
    with pytest.raises(ServiceError, match="has ended"):
        services.record_points_donation(
            db.session, drive=drive, user=make_owner(), points=200, idempotency_key="k2",
            now=late + timedelta(hours=4),
        )  # fmt: skip


def test_a_single_point_is_a_gift_of_one_cent(make_drive, make_owner):
    drive = make_drive()
    given = _give(drive, make_owner(), 1)
    assert db.session.get(Contribution, given).amount == 1


def test_an_explicit_day_is_used_as_given(make_drive, make_owner):
    drive = make_drive()
    with pytest.raises(ServiceError, match="has ended"):
        _give(drive, make_owner(), today=drive.ends_on + timedelta(days=1))


def test_reversing_a_gift_takes_back_that_gift_only_and_only_once(make_drive, make_owner):
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    olivia, sam = make_owner(), make_owner()
    _give(coats, olivia, 300, key="redemption:1")
    _give(coats, sam, 700, key="redemption:2")
    _give(food, olivia, 400, key="redemption:3")
    later = NOW + timedelta(days=2)
    reversal = services.reverse_points_donation(
        db.session, idempotency_key="redemption:1", now=later
    )
    assert (
        services.reverse_points_donation(db.session, idempotency_key="redemption:1", now=NOW)
        is None
    )
    assert services.reverse_points_donation(db.session, idempotency_key="unknown", now=NOW) is None
    db.session.commit()
    assert _rows(coats) == [
        (olivia.id, "points", 3_00, 300),
        (sam.id, "points", 7_00, 700),
        (olivia.id, "points", -3_00, -300),
    ]
    assert _rows(food) == [(olivia.id, "points", 4_00, 400)]
    row = db.session.get(Contribution, reversal)
    assert (row.idempotency_key, row.show_name, row.created_at, row.received_at) == (
        "redemption:1:reversed",
        False,
        later,
        later,
    )


def test_reversing_works_on_a_closed_drive_and_a_gift_without_points(make_drive, make_owner):
    drive = make_drive()
    owner = make_owner()
    db.session.add(
        Contribution(drive_id=drive.id, user_id=owner.id, kind="points", amount=2_00,
                     idempotency_key="legacy")
    )  # fmt: skip
    drive.status = DriveStatus.CLOSED
    db.session.commit()
    assert services.reverse_points_donation(db.session, idempotency_key="legacy", now=NOW)
    assert _rows(drive)[-1] == (owner.id, "points", -2_00, 0)


# --- Receiving ----------------------------------------------------------------------------------


def test_marking_one_pledge_received_leaves_the_others_waiting(
    make_drive, make_owner, coordinator, add_contribution
):
    drive = make_drive()
    mine, theirs = add_contribution(drive, make_owner()), add_contribution(drive, make_owner())
    assert services.mark_received(db.session, contribution=mine, by=coordinator, now=NOW) is True
    assert (
        services.mark_received(
            db.session, contribution=mine, by=coordinator, now=NOW + timedelta(hours=1)
        )
        is False
    )
    db.session.commit()
    db.session.refresh(theirs)
    assert (mine.received_at, mine.received_by_id) == (NOW, coordinator.id)
    assert (theirs.received_at, theirs.received_by_id) == (None, None)


def test_only_a_pledge_is_marked_received(make_drive, make_owner, coordinator):
    # Points arrive with the gift; an old points row without that stamp stays as it is.
    drive = make_drive()
    gift = Contribution(
        drive_id=drive.id, user_id=make_owner().id, kind=ContributionKind.POINTS, amount=2_00
    )
    db.session.add(gift)
    db.session.commit()
    assert services.mark_received(db.session, contribution=gift, by=coordinator, now=NOW) is False
    db.session.commit()
    db.session.refresh(gift)
    assert (gift.received_at, gift.received_by_id) == (None, None)
    assert drive_totals(db.session, drive).owners_received == 0


# --- Drafting and linking -----------------------------------------------------------------------


def _values(drive: Drive, **changes) -> dict:
    names = ("name", "beneficiary_name", "beneficiary_url", "goal_kind", "goal_amount",
             "unit_label", "starts_on", "ends_on")  # fmt: skip
    return {name: getattr(drive, name) for name in names} | changes


def test_a_new_drive_is_a_draft_with_the_values_given(make_drive):
    template = make_drive()
    drive, replaced = services.save_drive(db.session, None, _values(template, name="Toy Drive"))
    db.session.commit()
    assert (drive.status, drive.name, drive.goal_amount) == (
        DriveStatus.DRAFT,
        "Toy Drive",
        10_000_00,
    )
    assert drive.id != template.id
    assert replaced is None


def test_the_unit_is_fixed_only_for_the_drive_people_gave_to(
    make_drive, make_owner, add_contribution
):
    given, untouched = make_drive("Coats for Kids"), make_drive("Food Bank")
    toys = make_drive("Toys", goal_kind="items", unit_label="toys", goal_amount=300)
    add_contribution(given, make_owner())
    add_contribution(toys, make_owner(), 5)
    with pytest.raises(ServiceError) as refused:
        services.save_drive(
            db.session, given, _values(given, goal_kind="items", unit_label="coats")
        )
    assert (refused.value.field, refused.value.message) == (
        "goal_kind",
        "Owners have already given to this drive, so it keeps collecting money.",
    )
    with pytest.raises(ServiceError) as refused:
        services.save_drive(db.session, toys, _values(toys, goal_kind="money", unit_label=None))
    assert refused.value.message == (
        "Owners have already given to this drive, so it keeps collecting toys."
    )
    db.session.rollback()
    services.save_drive(
        db.session, untouched, _values(untouched, goal_kind="items", unit_label="cans")
    )
    services.save_drive(db.session, given, _values(given, name="Warm Coats"))
    db.session.commit()
    assert (untouched.goal_kind, given.name, given.goal_kind) == ("items", "Warm Coats", "money")


def test_an_item_drive_without_a_unit_keeps_collecting_items(
    make_drive, make_owner, add_contribution
):
    drive = make_drive(goal_kind="items", unit_label=None, goal_amount=300)
    add_contribution(drive, make_owner(), 5)
    with pytest.raises(ServiceError) as refused:
        services.save_drive(db.session, drive, _values(drive, goal_kind="money"))
    assert refused.value.message == (
        "Owners have already given to this drive, so it keeps collecting items."
    )


def test_linking_events_changes_only_this_drives_links(make_drive, make_event):
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    wash, drop_off, gala = make_event("Car wash"), make_event("Drop-off day"), make_event("Gala")
    services.set_linked_events(db.session, coats, [wash.id, drop_off.id])
    services.set_linked_events(db.session, food, [wash.id, gala.id])
    services.set_linked_events(db.session, coats, [drop_off.id, gala.id])
    db.session.commit()
    links = db.session.execute(
        select(DriveEvent.drive_id, DriveEvent.event_id).order_by(
            DriveEvent.drive_id, DriveEvent.event_id
        )
    ).all()
    assert links == sorted(
        [(coats.id, drop_off.id), (coats.id, gala.id), (food.id, wash.id), (food.id, gala.id)]
    )


def test_a_cover_is_saved_replaced_and_removed(app, make_drive, tmp_path):
    drive = make_drive()
    instance = str(tmp_path / "new" / "instance")  # not made yet: the first cover makes it
    drive, old = services.save_drive(
        db.session, drive, _values(drive), cover=BytesIO(PNG), instance_path=instance
    )
    first = drive.cover_filename
    assert old is None
    assert first.endswith(".png") and len(first) == 36
    assert (tmp_path / "new" / "instance" / "charity_covers" / first).read_bytes() == PNG
    assert drive.cover_content_type == "image/png"
    drive, old = services.save_drive(
        db.session, drive, _values(drive), cover=BytesIO(PNG), instance_path=instance
    )
    assert old == first and drive.cover_filename != first
    kept, unused = services.save_drive(db.session, drive, _values(drive, name="Warm Coats"))
    assert (kept.cover_filename, unused) == (drive.cover_filename, None)
    services.delete_cover(instance, old)
    assert not (tmp_path / "new" / "instance" / "charity_covers" / first).exists()
    services.delete_cover(instance, old)  # already gone: fine
    services.delete_cover(instance, None)
    second = drive.cover_filename
    drive, old = services.save_drive(db.session, drive, _values(drive), remove_cover=True)
    assert old == second
    assert (drive.cover_filename, drive.cover_content_type) == (None, None)
    drive, old = services.save_drive(db.session, drive, _values(drive))
    assert old is None


def test_without_an_instance_folder_a_cover_goes_under_the_working_folder(
    app, make_drive, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    drive = make_drive()
    drive, _ = services.save_drive(db.session, drive, _values(drive), cover=BytesIO(PNG))
    assert (tmp_path / "charity_covers" / drive.cover_filename).read_bytes() == PNG


def test_the_points_rate_is_stored(app):
    changes = services.save_charity_settings(db.session, 40)
    assert changes["charity.points_per_dollar"][1] == 40
    db.session.commit()
    assert services.points_value(db.session, Drive(goal_kind="money"), 40) == 1_00


# --- Opening and closing --------------------------------------------------------------------------


def test_opening_one_draft_leaves_the_other_draft(make_drive):
    mine, other = (
        make_drive(status=DriveStatus.DRAFT),
        make_drive("Food Bank", status=DriveStatus.DRAFT),
    )
    services.open_drive(db.session, mine, NOW)
    db.session.commit()
    db.session.refresh(other)
    assert (mine.status, mine.opened_at) == (DriveStatus.OPEN, NOW)
    assert (other.status, other.opened_at) == (DriveStatus.DRAFT, None)
    with pytest.raises(ServiceError) as refused:
        services.open_drive(db.session, mine, NOW)
    assert refused.value.message == "Only a draft drive can be opened."


def test_closing_one_drive_thanks_only_its_own_givers(make_drive, make_owner):
    coats, food = make_drive("Coats for Kids"), make_drive("Food Bank")
    olivia, sam, taken_back, other_drive = (
        make_owner(name=n) for n in ("Olivia O", "Sam S", "Tara T", "Uma U")
    )
    _pledge(coats, olivia, 20_00)
    _pledge(coats, sam, 5_00)
    _give(coats, taken_back, 300, key="redemption:1")
    services.reverse_points_donation(db.session, idempotency_key="redemption:1", now=NOW)
    _pledge(food, other_drive, 50_00)
    later = NOW + timedelta(days=1)
    ids = services.close_drive(db.session, coats, later, "Harbour Motors")
    db.session.commit()
    db.session.refresh(food)
    assert (coats.status, coats.closed_at) == (DriveStatus.CLOSED, later)
    assert (food.status, food.closed_at) == (DriveStatus.OPEN, None)
    thanks = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.user_id for n in thanks] == [olivia.id, sam.id]
    assert [n.id for n in thanks] == ids
    first = thanks[0]
    assert first.key == f"drive:{coats.id}:thanks:{olivia.id}"
    assert first.subject == "Thank you for helping the Coats for Kids drive"
    assert (first.kind, first.action_path, first.action_label) == (
        "charity",
        f"/drives/{coats.id}",
        "See the final tally",
    )
    assert "$20" in first.body and "Harbour Motors" in first.body
    assert first.created_at == later
    assert services.close_drive(db.session, coats, later, "Harbour Motors") == []


def test_a_single_item_is_thanked_like_any_gift(make_drive, make_owner):
    drive = make_drive(goal_kind="items", unit_label="toys", goal_amount=300)
    giver = make_owner()
    _pledge(drive, giver, 1)
    [thanks] = services.close_drive(db.session, drive, NOW, "Harbour Motors")
    assert db.session.get(Notification, thanks).user_id == giver.id


def test_only_an_open_drive_closes(make_drive, make_owner):
    draft = make_drive(status=DriveStatus.DRAFT)
    assert services.close_drive(db.session, draft, NOW, "Harbour Motors") == []
    assert draft.status == DriveStatus.DRAFT
