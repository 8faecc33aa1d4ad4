"""Dealership settings: admin only, every change audited."""

from sqlalchemy import select

from portal.audit import AuditEntry
from portal.dealership.queries import dealership_profile, weekly_message_limit
from portal.extensions import db


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_settings_change_is_saved_and_audited_with_before_and_after(client, as_admin, app):
    response = client.post(
        "/admin/settings",
        data={
            "name": "Lakeside Motors",
            "timezone": "America/Chicago",
            "phone": "(312) 555-0100",
            "email": "club@lakeside.example",
            "address": "1 Shore Road",
        },
    )
    assert response.status_code == 303
    profile = dealership_profile(db.session)
    assert (profile["name"], profile["timezone"], profile["phone"]) == (
        "Lakeside Motors",
        "America/Chicago",
        "+13125550100",
    )
    [entry] = _audit("settings.update")
    assert entry.before["dealership.name"] == app.config["PORTAL_DEALERSHIP_NAME"]
    assert entry.after["dealership.name"] == "Lakeside Motors"
    assert entry.before["dealership.timezone"] == app.config["PORTAL_TIMEZONE"]

    client.post(
        "/admin/settings",
        data={
            **{"name": "Lakeside Motors", "timezone": "America/Chicago"},
            "phone": "+13125550100",
            "email": "club@lakeside.example",
            "address": "1 Shore Road",
        },
    )
    assert len(_audit("settings.update")) == 1  # nothing changed, nothing logged


def test_an_unknown_time_zone_is_refused_next_to_the_field(client, as_admin):
    response = client.post("/admin/settings", data={"name": "X", "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    assert "Not a time zone we know" in response.get_data(True)
    assert _audit("settings.update") == []


def test_the_weekly_message_budget_is_a_setting_within_reason(client, as_admin):
    assert weekly_message_limit(db.session) == 2
    form = {"name": "Lakeside Motors", "timezone": "America/Chicago"}
    refused = client.post("/admin/settings", data={**form, "weekly_message_limit": "40"})
    assert refused.status_code == 422
    assert "Number must be between 1 and 14" in refused.get_data(True)
    saved = client.post("/admin/settings", data={**form, "weekly_message_limit": "3"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert weekly_message_limit(db.session) == 3


def test_the_event_reminder_time_is_a_time_of_day_kept_when_left_empty(client, as_admin):
    base = {"name": "Lakeside Motors", "timezone": "America/Chicago"}
    page = client.get("/admin/settings").get_data(True)
    assert 'type="time"' in page and 'value="10:00"' in page
    response = client.post("/admin/settings", data={**base, "event_reminder_time": "18:30"})
    assert response.status_code == 303
    assert dealership_profile(db.session)["event_reminder_time"] == "18:30"
    [entry] = _audit("settings.update")
    assert entry.after["dealership.event_reminder_time"] == "18:30"
    client.post("/admin/settings", data={**base, "event_reminder_time": ""})
    assert dealership_profile(db.session)["event_reminder_time"] == "18:30"
    refused = client.post("/admin/settings", data={**base, "event_reminder_time": "25:99"})
    assert refused.status_code == 422
    assert dealership_profile(db.session)["event_reminder_time"] == "18:30"
