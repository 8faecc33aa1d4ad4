"""Staff pages: the day's lane, marking arrived / done / no-show, moving, booking for an
owner, the lane's capacity and settings; every change audited."""

from datetime import date, time

from sqlalchemy import select

from portal.audit import AuditEntry
from portal.extensions import db
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceWindow
from portal.servicelane.queries import lane_settings

WEDNESDAY, THURSDAY = date(2026, 12, 9), date(2026, 12, 10)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_lane_shows_a_day_by_window_and_staff_mark_arrived_then_done(
    client, login, coordinator, monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=3)
    owner = make_owner(name="Priya Patel")
    booking = book_as(owner, make_vehicle(owner), WEDNESDAY)
    login(coordinator)
    lane = client.get(f"/admin/service/lane?day={WEDNESDAY.isoformat()}").get_data(as_text=True)
    assert "Priya Patel" in lane and "1 of 3 booked" in lane
    path = f"/admin/service/bookings/{booking.id}/status"
    assert client.post(path, data={"status": "arrived", "back": "lane"}).status_code == 303
    assert client.post(path, data={"status": "done"}).status_code == 303
    db.session.expire_all()
    done = db.session.get(ServiceBooking, booking.id)
    assert done.status == BookingStatus.DONE and done.done_at is not None
    assert _actions() == ["service_booking.arrived", "service_booking.done"]
    assert client.post(path, data={"status": "no_show"}).status_code == 303  # refused, flashed
    assert client.post(path, data={"status": "deleted"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(ServiceBooking, booking.id).status == BookingStatus.DONE


def test_staff_move_and_cancel_inside_the_owners_cut_off(
    client, login, coordinator, monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=1)
    owner = make_owner()
    booking = book_as(owner, make_vehicle(owner), date(2026, 12, 8))  # tomorrow: past cut-off
    login(coordinator)
    moved = client.post(
        f"/admin/service/bookings/{booking.id}/move",
        data={"slot": f"{THURSDAY.isoformat()}T08:00"},
    )
    assert moved.status_code == 303
    assert client.post(f"/admin/service/bookings/{booking.id}/cancel").status_code == 303
    db.session.expire_all()
    assert db.session.get(ServiceBooking, booking.id).status == BookingStatus.CANCELLED
    assert _actions() == ["service_booking.move", "service_booking.cancel"]


def test_staff_book_for_an_owner_found_by_email(
    client, login, coordinator, monday, make_window, make_owner, make_vehicle
):
    make_window(capacity=1)
    owner = make_owner(email="elena@example.com")
    car = make_vehicle(owner)
    login(coordinator)
    found = client.get("/admin/service/book?email=ELENA@example.com").get_data(as_text=True)
    assert car.label in found
    path = f"/admin/service/book?email=elena@example.com&car={car.id}"
    assert client.get(path).status_code == 200
    data = {"slot": f"{WEDNESDAY.isoformat()}T08:00", "work": "service", "handover": "drop_off"}
    response = client.post(path, data=data)
    assert response.status_code == 303
    booking = db.session.scalar(select(ServiceBooking))
    assert booking.booked_by_id == coordinator.id and booking.user_id == owner.id
    assert _actions() == ["service_booking.create"]


def test_coordinators_run_the_lane_but_cannot_change_its_capacity(client, login, coordinator):
    login(coordinator)
    assert client.get("/admin/service/lane").status_code == 200
    assert client.get("/admin/service/capacity").status_code == 403
    assert client.get("/admin/service/settings").status_code == 403


def test_admins_set_the_week_and_exceptions(client, login, admin_user, monday):
    login(admin_user)
    window = {"weekday": "0", "starts_at": "08:00", "ends_at": "10:00", "capacity": "3"}
    assert client.post("/admin/service/capacity/windows", data=window).status_code == 303
    overlapping = window | {"starts_at": "09:00", "ends_at": "11:00"}
    refused = client.post("/admin/service/capacity/windows", data=overlapping)
    assert refused.status_code == 422
    assert "overlaps" in refused.get_data(as_text=True)
    backwards = window | {"starts_at": "12:00", "ends_at": "11:00"}
    assert client.post("/admin/service/capacity/windows", data=backwards).status_code == 422
    [saved] = db.session.scalars(select(ServiceWindow)).all()
    assert (saved.starts_at, saved.capacity) == (time(8), 3)
    closure = {"day": "2026-12-24", "capacity": "", "note": "Christmas Eve"}
    assert client.post("/admin/service/capacity/closures", data=closure).status_code == 303
    assert "Christmas Eve" in client.get("/admin/service/capacity").get_data(as_text=True)
    assert _actions() == ["service_window.create", "service_closure.update"]


def test_admins_change_the_lane_settings(client, login, admin_user, monday):
    login(admin_user)
    data = {
        "days_ahead": "10",
        "priority_days": "4",
        "priority_share_percent": "25",
        "priority_release_hours": "24",
        "change_cutoff_hours": "12",
    }
    assert client.post("/admin/service/settings", data=data).status_code == 303
    settings = lane_settings(db.session)
    assert (settings.days_ahead, settings.priority_share_percent) == (10, 25)
    assert _actions() == ["settings.update"]
    hostile = data | {"days_ahead": str(10**30)}
    assert client.post("/admin/service/settings", data=hostile).status_code == 422


def test_a_hostile_lookup_finds_nobody_and_answers_politely(client, login, coordinator):
    login(coordinator)
    for email in ("\x00@example.com", "x" * 100_000, "nobody@example.com"):
        response = client.get("/admin/service/book", query_string={"email": email})
        assert response.status_code in (200, 400), email[:20]
    assert client.get("/admin/service/lane?day=9999-12-31").status_code == 200
