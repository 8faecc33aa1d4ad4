"""A low score opens one follow-up, tells the admins, and staff close it with a note (audited)."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.audit import AuditEntry
from portal.dealership.services import write_settings
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import FollowUp, FollowUpStatus
from portal.notifications.models import Notification
from tests.feedback.helpers import NEXT_MORNING, surveys

LATER = NEXT_MORNING + timedelta(hours=3)


def _answer(client, link, score, comment=""):
    with clock.frozen(LATER):
        return client.post(link, data={"score": str(score), "comment": comment})


def _follow_ups() -> list[FollowUp]:
    db.session.expire_all()
    return list(db.session.scalars(select(FollowUp).order_by(FollowUp.id)))


def _staff_notices() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "follow_up")))


def test_a_low_score_opens_exactly_one_follow_up_and_tells_the_admins(
    client, asked, admin_user, coordinator, make_user, outbox
):
    owner, survey, link = asked
    assert _answer(client, link, 2, "Nobody called when it was ready.").status_code == 303
    _answer(client, link, 1, "Still cross.")  # changed, still low: no second follow-up
    (follow_up,) = _follow_ups()
    assert (follow_up.score, follow_up.comment) == (2, "Nobody called when it was ready.")
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.owner_id == owner.id
    assert follow_up.service_record_id == survey.service_record_id
    (notice,) = _staff_notices()
    assert notice.user_id == admin_user.id
    assert notice.subject == "Sam Okafor scored a visit 2 of 5: please follow up"
    assert "Nobody called when it was ready." in notice.body
    assert [mail["To"] for mail in outbox()][-1] == admin_user.email


def test_a_good_score_opens_nothing(client, asked, admin_user):
    owner, survey, link = asked
    _answer(client, link, 3)
    _answer(client, link, 5)
    assert _follow_ups() == []
    assert _staff_notices() == []


def test_the_low_score_is_a_setting(client, asked, admin_user):
    owner, survey, link = asked
    write_settings(db.session, {"feedback.low_score": 3})
    db.session.commit()
    _answer(client, link, 3)
    assert len(_follow_ups()) == 1


def test_a_low_score_given_twice_at_once_opens_one_follow_up(asked, admin_user):
    owner, survey, link = asked
    for _ in range(2):  # the second insert meets the unique survey: nothing more
        services.answer(db.session, surveys()[0], score=1, comment=None, now=LATER)
    db.session.commit()
    assert len(_follow_ups()) == 1
    assert len(_staff_notices()) == 1


def test_staff_see_open_follow_ups_and_close_one_with_a_note(client, login, asked, coordinator):
    owner, survey, link = asked
    _answer(client, link, 1, "Scratched the door.")
    login(coordinator)
    listing = client.get("/admin/follow-ups").get_data(as_text=True)
    assert "Sam Okafor" in listing and "Scratched the door." in listing
    (follow_up,) = _follow_ups()
    page = client.get(f"/admin/follow-ups/{follow_up.id}")
    assert page.status_code == 200
    response = client.post(
        f"/admin/follow-ups/{follow_up.id}/close",
        data={"note": "Called Sam; paint repair booked free of charge."},
    )
    assert response.status_code == 303
    (closed,) = _follow_ups()
    assert closed.status == FollowUpStatus.CLOSED
    assert closed.closed_by_id == coordinator.id
    assert closed.note == "Called Sam; paint repair booked free of charge."
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "follow_up.close"))
    assert entry.actor_id == coordinator.id
    assert entry.entity_id == str(follow_up.id)
    assert entry.before == {"status": "open", "note": None}
    assert entry.after == {
        "status": "closed",
        "note": "Called Sam; paint repair booked free of charge.",
    }
    row_link = f'href="/admin/follow-ups/{follow_up.id}"'
    assert row_link not in client.get("/admin/follow-ups").get_data(as_text=True)
    assert row_link in client.get("/admin/follow-ups?show=closed").get_data(as_text=True)


def test_closing_needs_a_note_and_happens_once(client, login, asked, coordinator):
    owner, survey, link = asked
    _answer(client, link, 1)
    login(coordinator)
    (follow_up,) = _follow_ups()
    path = f"/admin/follow-ups/{follow_up.id}/close"
    assert client.post(path, data={"note": "   "}).status_code == 422
    assert client.post(path, data={"note": "x\x00"}).status_code == 422
    assert client.post(path, data={"note": "x" * 100_000}).status_code == 422
    assert _follow_ups()[0].status == FollowUpStatus.OPEN
    assert client.post(path, data={"note": "Called."}).status_code == 303
    again = client.post(path, data={"note": "Called again."})
    assert again.status_code == 409
    assert _follow_ups()[0].note == "Called."
    closes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "follow_up.close"))
    assert len(list(closes)) == 1


def test_owners_cannot_see_follow_ups(client, login, asked):
    owner, survey, link = asked
    _answer(client, link, 1)
    login(owner)
    (follow_up,) = _follow_ups()
    assert client.get("/admin/follow-ups").status_code == 403
    assert (
        client.post(f"/admin/follow-ups/{follow_up.id}/close", data={"note": "x"}).status_code
        == 403
    )


def test_the_owner_page_shows_their_answers(client, login, asked, admin_user):
    owner, survey, link = asked
    _answer(client, link, 2, "Too slow.")
    login(admin_user)
    page = client.get(f"/admin/owners/{owner.id}").get_data(as_text=True)
    assert "How their visits went" in page
    assert "2 of 5" in page and "Too slow." in page
    (follow_up,) = _follow_ups()
    assert f"/admin/follow-ups/{follow_up.id}" in page
