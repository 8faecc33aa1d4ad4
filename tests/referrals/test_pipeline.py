"""The coordinator's pipeline: stages, points once per stage, the purchase and what it sets off."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.dealership.services import write_settings
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.points.models import PointsEntry
from portal.points.queries import points_balance
from portal.referrals.models import Referral, Stage
from tests.referrals.conftest import VALID_VIN


def _purchase(client, referral, vin=VALID_VIN, **overrides):
    data = {
        "vin": vin,
        "make": "Honda",
        "model": "Accord",
        "year": "2025",
        "purchase_date": "2026-03-01",
    }
    data.update(overrides)
    return client.post(f"/admin/referrals/{referral.id}/purchase", data=data)


def test_a_test_drive_awards_the_configured_points_once(
    client, login, coordinator, make_owner, make_referral
):
    owner = make_owner()
    referral = make_referral(owner, name="Jamie Fraser")
    login(coordinator)
    for stage in ("contacted", "test_drive", "contacted", "test_drive"):
        response = client.post(f"/admin/referrals/{referral.id}/stage", data={"stage": stage})
        assert response.status_code == 303
    assert points_balance(db.session, owner.id) == 25
    keys = db.session.scalars(select(PointsEntry.idempotency_key)).all()
    assert keys == [f"referral:{referral.id}:stage:test_drive"]


def test_purchase_creates_the_friends_account_car_and_claim_email(
    client, login, coordinator, make_owner, make_referral, outbox
):
    owner = make_owner(name="Priya Patel")
    referral = make_referral(owner, name="Jamie Fraser", email="jamie@example.net")
    login(coordinator)
    response = _purchase(client, referral)
    assert response.status_code == 303
    friend = db.session.scalar(select(User).where(User.email == "jamie@example.net"))
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.owner_id == friend.id))
    assert (vehicle.vin, vehicle.label) == (VALID_VIN, "2025 Honda Accord")
    db.session.refresh(referral)
    assert (referral.stage, referral.vin, referral.owner_id) == ("purchased", VALID_VIN, friend.id)
    claim = [m for m in outbox() if m["To"] == "jamie@example.net"]
    assert len(claim) == 1 and "2025 Honda Accord" in claim[0].get_body(("plain",)).get_content()


def test_purchase_credits_points_tier_and_a_personal_thank_you(
    client, login, coordinator, make_owner, make_referral, outbox
):
    owner = make_owner(name="Priya Patel")
    referral = make_referral(owner, name="Jamie Fraser")
    write_settings(db.session, {"rewards.thank_you_manager_name": "Dana Whitfield, GM"})
    db.session.commit()
    login(coordinator)
    assert _purchase(client, referral).status_code == 303
    db.session.refresh(owner)
    assert points_balance(db.session, owner.id) == 500
    assert owner.tier_level == 1
    messages = {
        n.key: n
        for n in db.session.scalars(select(Notification).where(Notification.user_id == owner.id))
    }
    thanks = messages[f"referral:{referral.id}:thank-you"]
    assert thanks.subject == "Thank you for introducing Jamie"
    assert thanks.body.startswith("Dear Priya,")
    assert "Jamie has just taken home their 2025 Honda Accord" in thanks.body
    assert thanks.body.rstrip().endswith("Dana Whitfield, GM")
    assert messages[f"tier:{owner.id}:1"].subject == "You're now Advocate in the Owners Club"
    # Their preferred channel (email) gets it now, not only the inbox.
    assert any(m["Subject"] == "Thank you for introducing Jamie" for m in outbox())


def test_three_purchases_make_an_ambassador_flagged_for_priority_service(
    client, login, coordinator, make_owner, make_referral
):
    owner = make_owner(name="Priya Patel")
    referrals = [make_referral(owner) for _ in range(3)]
    login(coordinator)
    vins = ["1HGCM82633A004352", "1M8GDM9AXKP042788", "5YJ3E1EA2KF317000"]
    for referral, vin in zip(referrals, vins, strict=True):
        assert _purchase(client, referral, vin=vin).status_code == 303, vin
    db.session.refresh(owner)
    assert owner.tier_level == 2
    assert points_balance(db.session, owner.id) == 1500
    tier_keys = db.session.scalars(
        select(Notification.key).where(Notification.key.like(f"tier:{owner.id}:%"))
    ).all()
    assert sorted(tier_keys) == [f"tier:{owner.id}:1", f"tier:{owner.id}:2"]
    pipeline = client.get("/admin/referrals").get_data(as_text=True)
    assert "Priority service" in pipeline and "Ambassador" in pipeline


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        ("1HGCM82633A00435", "A VIN has 17 characters"),
        ("1HGCM82634A004352", "its check digit (the 9th character)"),
    ],
)
def test_a_bad_vin_is_refused_and_nothing_changes(
    client, login, coordinator, make_owner, make_referral, vin, message
):
    referral = make_referral(make_owner())
    login(coordinator)
    response = _purchase(client, referral, vin=vin)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Referral.stage)) == "invited"
    assert db.session.scalar(select(Vehicle.id)) is None


def test_a_vin_already_in_a_garage_is_refused(
    client, login, coordinator, make_owner, make_referral
):
    other = make_owner()
    db.session.add(
        Vehicle(owner_id=other.id, vin=VALID_VIN, make="Honda", model="Accord", year=2003)
    )
    db.session.commit()
    referral = make_referral(make_owner())
    login(coordinator)
    response = _purchase(client, referral)
    assert response.status_code == 422
    assert "already in an owner" in response.get_data(as_text=True)


def test_points_follow_the_dealerships_settings(
    client, login, coordinator, make_owner, make_referral
):
    write_settings(db.session, {"referrals.points_test_drive": 40})
    db.session.commit()
    owner = make_owner()
    referral = make_referral(owner)
    login(coordinator)
    client.post(f"/admin/referrals/{referral.id}/stage", data={"stage": Stage.TEST_DRIVE.value})
    assert points_balance(db.session, owner.id) == 40


def test_a_purchased_referral_cannot_move_back(
    client, login, coordinator, make_owner, make_referral
):
    referral = make_referral(make_owner())
    login(coordinator)
    _purchase(client, referral)
    response = client.post(f"/admin/referrals/{referral.id}/stage", data={"stage": "lost"})
    assert response.status_code == 422
    assert db.session.scalar(select(Referral.stage)) == "purchased"


def test_owners_cannot_open_the_pipeline(client, login, make_owner, make_referral):
    owner = make_owner()
    referral = make_referral(owner)
    login(owner)
    assert client.get("/admin/referrals").status_code == 403
    assert client.get(f"/admin/referrals/{referral.id}").status_code == 403
    assert _purchase(client, referral).status_code == 403


def test_referral_settings_are_for_admins_only(client, login, coordinator):
    login(coordinator)
    assert client.get("/admin/referrals/settings").status_code == 403


def test_the_purchase_date_starts_at_today_in_the_dealerships_stored_time_zone(
    app, client, login, coordinator, make_owner, make_referral
):
    # Noon UTC on 1 March: still 1 March in the deployment's zone, already 2 March on
    # Kiritimati (UTC+14), the zone an admin chose on the settings page.
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    deployment_today = moment.astimezone(ZoneInfo(app.config["PORTAL_TIMEZONE"])).date()
    assert deployment_today == date(2026, 3, 1)
    write_settings(db.session, {"dealership.timezone": "Pacific/Kiritimati"})
    db.session.commit()
    with clock.frozen(moment):
        referral = make_referral(make_owner())
        login(coordinator)
        page = client.get(f"/admin/referrals/{referral.id}").get_data(as_text=True)
    purchase_date = re.search(r'<input[^>]*name="purchase_date"[^>]*>', page).group(0)
    assert 'value="2026-03-02"' in purchase_date
