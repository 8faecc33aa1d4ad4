"""Staff actions through the admin pages leave an audit entry: who, what, before and after."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.audit import AuditEntry
from portal.events.models import Event
from portal.extensions import db
from portal.referrals.models import Stage


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _only_entry(action: str) -> AuditEntry:
    entries = _entries(action)
    assert len(entries) == 1, [entry.action for entry in db.session.scalars(select(AuditEntry))]
    return entries[0]


def test_creating_an_event_is_audited_with_its_details(client, as_coordinator):
    response = client.post(
        "/admin/events/new",
        data={
            "title": "Spring clinic",
            "kind": "clinic",
            "location": "Service centre",
            "starts_at": "2030-04-04T10:00",
            "ends_at": "2030-04-04T12:00",
            "capacity": "25",
            "guests_allowed": "1",
            "audience": "owners",
            "early_access_days": "0",
        },
    )
    assert response.status_code == 303
    event = db.session.scalar(select(Event))

    entry = _only_entry("event.create")

    assert (entry.entity_type, entry.entity_id) == ("event", str(event.id))
    assert entry.actor_id == as_coordinator.id
    assert entry.before is None
    assert entry.after["title"] == "Spring clinic"
    assert entry.after["capacity"] == 25
    assert entry.after["starts_at"] == "2030-04-04T14:00:00+00:00"
    assert entry.ip == "127.0.0.1"


def test_editing_an_event_keeps_only_what_changed(client, as_coordinator, make_event):
    starts = datetime(2030, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York
    event = make_event(
        "Launch night", capacity=30, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    form = {
        "title": "Launch night and drinks",
        "kind": "clinic",
        "location": event.location,
        "starts_at": "2030-12-05T10:00",
        "ends_at": "2030-12-05T13:00",
        "capacity": "30",
        "guests_allowed": "0",
        "audience": "owners",
        "early_access_days": "0",
    }
    assert client.post(f"/admin/events/{event.id}/edit", data=form).status_code == 303

    entry = _only_entry("event.update")

    assert entry.before == {"title": "Launch night", "ends_at": "2030-12-05T17:00:00+00:00"}
    assert entry.after == {
        "title": "Launch night and drinks",
        "ends_at": "2030-12-05T18:00:00+00:00",
    }


def test_moving_a_referral_along_is_audited(client, as_coordinator, owner, make_referral):
    referral = make_referral(owner, stage=Stage.INVITED, name="Frank Friend")

    response = client.post(
        f"/admin/referrals/{referral.id}/stage", data={"stage": "contacted", "note": "Called"}
    )
    assert response.status_code == 303

    entry = _only_entry("referral.stage")
    assert (entry.entity_type, entry.entity_id) == ("referral", str(referral.id))
    assert entry.before == {"stage": "invited", "note": None}
    assert entry.after["stage"] == "contacted" and entry.after["note"] == "Called"
    assert "Frank Friend" in entry.summary


def test_fulfilling_a_redemption_is_audited(client, as_coordinator, owner, make_redemption):
    redemption = make_redemption(owner)

    response = client.post(
        f"/admin/rewards/redemptions/{redemption.id}/fulfil",
        data={"fulfilled_on": "2030-01-15", "note": "Booked for Tuesday"},
    )
    assert response.status_code == 303

    entry = _only_entry("redemption.fulfil")
    assert (entry.entity_type, entry.entity_id) == ("redemption", str(redemption.id))
    assert entry.before == {"status": "pending", "fulfilled_on": None, "staff_note": None}
    assert entry.after == {
        "status": "fulfilled",
        "fulfilled_on": "2030-01-15",
        "staff_note": "Booked for Tuesday",
    }


def test_marking_a_pledge_received_is_audited_once(
    client, as_coordinator, owner, make_drive, add_contribution
):
    drive = make_drive()
    contribution = add_contribution(drive, owner)
    url = f"/admin/charity/{drive.id}/contributions/{contribution.id}/received"

    assert client.post(url).status_code == 303
    assert client.post(url).status_code == 303  # a second click changes nothing

    entry = _only_entry("contribution.receive")
    assert (entry.entity_type, entry.entity_id) == ("contribution", str(contribution.id))
    assert entry.before == {"received_at": None}
    assert entry.after["received_at"] is not None


def test_posting_an_announcement_is_audited(client, as_coordinator):
    response = client.post(
        "/admin/announcements/new",
        data={
            "title": "Workshop closed on Monday",
            "body": "We reopen on Tuesday.",
            "body_format": "text",
            "audience": "everyone",
        },
    )
    assert response.status_code == 303

    entry = _only_entry("announcement.post")
    assert entry.entity_type == "announcement"
    assert entry.before is None
    assert entry.after["title"] == "Workshop closed on Monday"
    assert entry.after["audience"] == "everyone"


def test_taking_down_an_announcement_keeps_what_it_said(client, as_coordinator, make_announcement):
    announcement = make_announcement("Old news")

    client.post(f"/admin/announcements/{announcement.id}/delete")

    entry = _only_entry("announcement.delete")
    assert entry.before["title"] == "Old news" and entry.after is None


def test_saving_reminder_settings_is_audited_with_the_changed_values(client, as_admin):
    values = {
        "service_interval_months": "12",
        "service_interval_miles": "5000",
        "due_soon_days": "21",
        "warranty_notice_days": "60",
        "anniversary_notice_days": "14",
        "birthday_notice_days": "7",
        "default_miles_per_day": "33",
    }
    assert client.post("/admin/reminders/settings", data=values).status_code == 303

    entry = _only_entry("settings.update")
    assert (entry.entity_type, entry.entity_id) == ("settings", "reminders")
    assert entry.before == {
        "reminders.service_interval_months": 6,
        "reminders.due_soon_days": 30,
    }
    assert entry.after == {
        "reminders.service_interval_months": 12,
        "reminders.due_soon_days": 21,
    }


def test_an_action_that_fails_leaves_no_entry(client, as_coordinator, owner, make_redemption):
    redemption = make_redemption(owner, status="declined")

    client.post(
        f"/admin/rewards/redemptions/{redemption.id}/fulfil", data={"fulfilled_on": "2030-01-15"}
    )

    assert _entries("redemption.fulfil") == []
