"""Staff pages: settings, campaigns with a preview count, visit requests, access rules."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.reminders.models import RecallCampaign, SeasonalCampaign, ServiceVisitRequest
from portal.reminders.queries.fleet import reminder_settings

PAGES = [
    "/admin/reminders/settings",
    "/admin/reminders/campaigns",
    "/admin/reminders/seasonal/new",
    "/admin/reminders/recalls/new",
    "/admin/notifications",
    "/admin/visit-requests",
]


@pytest.fixture
def admin(make_user, login):
    user = make_user(role=Role.ADMIN)
    login(user)
    return user


@pytest.mark.parametrize("path", PAGES)
def test_owners_get_403_on_every_reminder_admin_page(client, make_owner, login, path):
    login(make_owner())
    assert client.get(path).status_code == 403


def test_coordinators_see_requests_and_log_but_not_settings(client, make_user, login):
    login(make_user(role=Role.COORDINATOR))
    assert client.get("/admin/visit-requests").status_code == 200
    assert client.get("/admin/notifications").status_code == 200
    assert client.get("/admin/reminders/settings").status_code == 403
    assert client.get("/admin/reminders/campaigns").status_code == 403


def test_settings_are_validated_and_saved(client, admin):
    values = {
        "service_interval_months": "12",
        "service_interval_miles": "10000",
        "due_soon_days": "21",
        "warranty_notice_days": "60",
        "anniversary_notice_days": "14",
        "birthday_notice_days": "7",
        "default_miles_per_day": "40",
    }
    bad = client.post("/admin/reminders/settings", data={**values, "due_soon_days": "0"})
    assert bad.status_code == 422
    assert reminder_settings(db.session).due_soon_days == 30
    assert client.post("/admin/reminders/settings", data=values).status_code == 303
    settings = reminder_settings(db.session)
    assert (settings.service_interval_months, settings.due_soon_days) == (12, 21)
    assert settings.default_miles_per_day == 40


def test_recall_preview_counts_matching_cars_without_saving(
    client, admin, make_owner, make_vehicle
):
    owner = make_owner()
    make_vehicle(owner, make="Honda", model="Civic", year=2021)
    make_vehicle(owner, make="HONDA", model="civic", year=2023)
    make_vehicle(owner, make="Honda", model="Civic", year=2019)
    make_vehicle(owner, make="Honda", model="Accord", year=2022)
    form = {
        "code": "24v-318",
        "title": "Seat belt buckle",
        "make": "honda",
        "model": "CIVIC",
        "year_from": "2020",
        "year_to": "2023",
        "issued_on": "2025-10-01",
        "active": "y",
    }
    preview = client.post("/admin/reminders/recalls/new", data={**form, "preview": "1"})
    assert preview.status_code == 200
    assert "would cover <strong>2 cars</strong>" in preview.get_data(as_text=True)
    assert db.session.scalar(select(RecallCampaign)) is None
    assert client.post("/admin/reminders/recalls/new", data=form).status_code == 303
    assert db.session.scalar(select(RecallCampaign.code)) == "24V-318"
    listing = client.get("/admin/reminders/campaigns").get_data(as_text=True)
    assert "24V-318" in listing
    duplicate = client.post("/admin/reminders/recalls/new", data=form)
    assert "Another recall already has this code." in duplicate.get_data(as_text=True)
    reversed_years = client.post(
        "/admin/reminders/recalls/new", data={**form, "code": "X1", "year_to": "2010"}
    )
    assert reversed_years.status_code == 422


def test_seasonal_campaign_rejects_impossible_days_and_saves(client, admin):
    form = {
        "name": "Winter tyres",
        "advice": "Fit them early.",
        "start_month": "10",
        "start_day": "15",
        "end_month": "11",
        "end_day": "31",
        "active": "y",
    }
    assert client.post("/admin/reminders/seasonal/new", data=form).status_code == 422
    assert (
        client.post("/admin/reminders/seasonal/new", data={**form, "end_day": "30"}).status_code
        == 303
    )
    campaign = db.session.scalar(select(SeasonalCampaign))
    assert (campaign.start_month, campaign.end_day, campaign.make) == (10, 30, None)


def test_visit_requests_are_listed_and_marked_handled(client, admin, make_owner, make_vehicle):
    owner = make_owner(name="Priya Patel")
    car = make_vehicle(owner)
    db.session.add(
        ServiceVisitRequest(
            user_id=owner.id,
            vehicle_id=car.id,
            topic="Service due (2022 Honda Civic)",
            preferred_day=date(2025, 12, 2),
            time_window="morning",
            note="Rattle in the dash",
        )
    )
    db.session.commit()
    page = client.get("/admin/visit-requests").get_data(as_text=True)
    assert "Priya Patel" in page and "Rattle in the dash" in page
    visit = db.session.scalar(select(ServiceVisitRequest))
    assert client.post(f"/admin/visit-requests/{visit.id}/handled").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(ServiceVisitRequest.status)) == "handled"
    assert "Rattle in the dash" not in client.get("/admin/visit-requests").get_data(as_text=True)
