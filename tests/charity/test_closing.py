"""Closing a drive thanks each participant exactly once, with the result."""

from sqlalchemy import func, select

from portal import clock
from portal.charity import services
from portal.charity.models import DriveStatus
from portal.extensions import db
from portal.notifications.models import Notification


def _thanks_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "charity")
    )


def test_closing_sends_one_thank_you_per_participant_and_closing_twice_sends_nothing(
    client, login, make_user, make_drive, make_owner, pledge, outbox
):
    drive = make_drive(goal_amount=1_000_00, match_percent=100, match_cap=100_00)
    grace = make_owner(name="Grace Whitfield")
    kenji = make_owner(name="Kenji Tanaka", preferred_channel="inbox")
    pledge(drive, grace, 200_00, show_name=True)
    pledge(drive, grace, 50_00)
    pledge(drive, kenji, 100_00)
    services.record_points_donation(
        db.session, drive=drive, user=kenji, points=1_000, idempotency_key="reward:1",
        now=clock.now(),
    )  # fmt: skip
    db.session.commit()
    login(make_user(role="coordinator"))

    assert client.post(f"/admin/charity/{drive.id}/close").status_code == 303
    assert _thanks_count() == 2
    [email] = outbox()  # Grace by email now; Kenji chose the inbox
    assert email["To"] == grace.email
    assert email["Subject"] == "Thank you for helping the Coats for Kids drive"
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Grace" in text
    assert "$460" in text and "$1,000" in text and "46%" in text  # 350 + 10 points + 100 match
    assert "Your part was $250" in text
    assert f"/drives/{drive.id}" in text

    assert client.post(f"/admin/charity/{drive.id}/close").status_code == 303
    assert _thanks_count() == 2
    assert len(outbox()) == 1
    db.session.refresh(drive)
    assert drive.status == DriveStatus.CLOSED


def test_service_close_is_a_no_op_the_second_time(make_drive, make_owner, pledge, app):
    drive = make_drive()
    for _ in range(3):
        pledge(drive, make_owner(), 10_00)
    first = services.close_drive(db.session, drive, clock.now(), "Harbourside Motors")
    db.session.commit()
    second = services.close_drive(db.session, drive, clock.now(), "Harbourside Motors")
    db.session.commit()
    assert len(first) == 3 and second == []
    keys = db.session.scalars(select(Notification.key).order_by(Notification.key)).all()
    assert keys == sorted(f"drive:{drive.id}:thanks:{uid}" for uid in (1, 2, 3))


def test_a_draft_cannot_be_closed(client, login, make_user, make_drive):
    drive = make_drive(status=DriveStatus.DRAFT)
    login(make_user(role="coordinator"))
    response = client.post(f"/admin/charity/{drive.id}/close", follow_redirects=True)
    assert "Only an open drive can be closed." in response.get_data(as_text=True)
    db.session.refresh(drive)
    assert drive.status == DriveStatus.DRAFT
