"""A lane booking marked done leads to its visit's write-up, which is kept with the booking."""

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.garage.models import ServiceRecord
from portal.points.models import PointsEntry
from portal.visits.models import Visit

WEDNESDAY = date(2026, 12, 9)


def _write_up(token: str, booking_id: int) -> dict:
    return {
        "submission": token,
        "booking": str(booking_id),
        "summary": "Oil and filter changed; brakes checked.",
        "mileage": "18200",
        "line_0_kind": "labour",
        "line_0_description": "Oil service",
        "line_0_quantity": "1",
        "line_0_price": "90.00",
    }


def test_done_leads_to_the_write_up_which_completes_the_booking_once(
    client, login, coordinator, monday, make_window, make_owner, make_vehicle, book_as
):
    make_window(capacity=2)
    owner = make_owner(name="Priya Patel")
    car = make_vehicle(owner, make="Volkswagen", model="Golf")
    other_car = make_vehicle(owner, make="Mazda", model="MX-5")
    booking = book_as(owner, car, WEDNESDAY)
    login(coordinator)
    status = f"/admin/service/bookings/{booking.id}/status"
    assert client.post(status, data={"status": "done"}).status_code == 303
    page = client.get(f"/admin/service/bookings/{booking.id}").get_data(as_text=True)
    write_up = f"/admin/visits/cars/{car.id}/complete?booking={booking.id}"
    assert "Write up the visit" in page and write_up.replace("&", "&amp;") in page

    form = client.get(write_up).get_data(as_text=True)
    assert f'name="booking" type="hidden" value="{booking.id}"' in form
    # Two tabs, two submission tokens: the booking's key still makes it one visit.
    for token in ("first-tab-token-000000001", "second-tab-token-00000001"):
        answer = client.post(
            f"/admin/visits/cars/{car.id}/complete", data=_write_up(token, booking.id)
        )
        assert answer.status_code == 303
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.booking_id, visit.idempotency_key) == (booking.id, f"booking:{booking.id}")
    record = db.session.get(ServiceRecord, visit.service_record_id)
    assert record.advisor_id == coordinator.id  # the survey afterwards names the advisor
    assert db.session.scalar(select(func.count()).select_from(PointsEntry)) == 1

    again = client.get(write_up)  # once written up, the booking's link opens the story
    assert again.status_code == 303 and again.location.endswith(f"/admin/visits/{visit.id}")
    # Another car's page cannot take this booking, nor a made-up one.
    assert (
        client.get(f"/admin/visits/cars/{other_car.id}/complete?booking={booking.id}").status_code
        == 404
    )
    assert client.get(f"/admin/visits/cars/{car.id}/complete?booking=99999").status_code == 404
    assert client.get(f"/admin/visits/cars/{car.id}/complete?booking=1e9").status_code == 404
