"""The staff's completed-visit form, the owner's visit story, and who may fetch the files."""

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.visits.media import Upload
from portal.visits.models import Visit, VisitMedia
from portal.visits.services import MediaStore, VisitDetails, complete_visit
from tests.visits.files import has_gps, jpeg_with_gps, mp4, png, webm

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
TOKEN = "Zq3-submission-token-0001"


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def golf(make_owner, make_vehicle):
    owner = make_owner(name="Priya Shah")
    return make_vehicle(owner, make="Volkswagen", model="Golf", year=2021, nickname="Blue Golf")


def form(**extra) -> dict:
    return {
        "submission": TOKEN,
        "summary": "Annual service; brakes checked.",
        "mileage": "18200",
        "line_0_kind": "labour",
        "line_0_description": "Annual service",
        "line_0_quantity": "1.5",
        "line_0_price": "80.00",
        "advice_0_what": "Replace the rear tyres",
        "advice_0_due_on": "2026-09-01",
        **extra,
    }


def visits() -> int:
    return db.session.scalar(select(func.count()).select_from(Visit))


def media_folder(app) -> Path:
    return Path(app.config["PORTAL_VISIT_MEDIA_FOLDER"])


def stored_visit(app, golf, advisor, data: bytes, content_type: str) -> VisitMedia:
    """A visit completed through the service with one file; returns the file's row."""
    done = complete_visit(
        db.session,
        vehicle=golf,
        advisor=advisor,
        details=VisitDetails(summary="Walk-round"),
        key="form:stored-visit-00000001",
        now=NOW,
        today=date(2026, 3, 3),
        uploads=[Upload("clip", content_type, BytesIO(data), "Walk-round of the car")],
        store=MediaStore(media_folder(app), 5 << 20, 5 << 20),
    )
    db.session.commit()
    return done.visit.media[0]


def test_staff_complete_a_visit_with_a_photo_and_the_owner_sees_its_story(
    app, client, login, golf, coordinator
):
    login(coordinator)
    page = client.get(f"/admin/visits/cars/{golf.id}/complete")
    assert page.status_code == 200
    data = form(media_0_file=(BytesIO(jpeg_with_gps()), "pads.jpg", "image/jpeg"))
    data["media_0_alt"] = "Front brake pads, about 3 mm left"
    response = client.post(
        f"/admin/visits/cars/{golf.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    visit = db.session.scalars(select(Visit)).one()
    assert visit.mileage == 18200 and visit.advisor_id == coordinator.id

    client.post("/logout")
    login(golf.owner)
    car_page = client.get(f"/garage/{golf.id}").get_data(as_text=True)
    assert "Annual service; brakes checked." in car_page
    assert "Replace the rear tyres" in car_page
    assert 'alt="Front brake pads, about 3 mm left"' in car_page
    assert "$120.00" not in car_page  # the dealership did not choose to show prices
    (photo,) = visit.media
    full = client.get(f"/visits/media/{photo.id}")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert not has_gps(full.data)
    assert max(photo.width, photo.height) == 1600
    assert client.get(f"/visits/media/{photo.id}/thumb").status_code == 200


def test_prices_show_when_the_dealership_chooses(client, login, golf, coordinator):
    login(coordinator)
    client.post(f"/admin/visits/cars/{golf.id}/complete", data=form(show_prices="y"))
    client.post("/logout")
    login(golf.owner)
    assert "$120.00" in client.get(f"/garage/{golf.id}").get_data(as_text=True)


def test_a_double_submit_completes_one_visit(client, login, golf, coordinator):
    login(coordinator)
    for _ in range(2):
        response = client.post(f"/admin/visits/cars/{golf.id}/complete", data=form())
        assert response.status_code == 303
    assert visits() == 1


@pytest.mark.parametrize(
    ("content", "name", "declared"),
    [
        (b"MZ\x90\x00 not a picture at all" * 20, "pads.jpg", "image/jpeg"),
        (png(), "pads.jpg", "image/jpeg"),
        (jpeg_with_gps((40, 40)), "clip.mp4", "video/mp4"),
        (mp4(), "clip.webm", "video/webm"),
        (webm(), "clip.mp4", "video/mp4"),
        (b"%PDF-1.7 invoice", "invoice.pdf", "application/pdf"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(
    app, client, login, golf, coordinator, content, name, declared
):
    login(coordinator)
    data = form(media_0_file=(BytesIO(content), name, declared), media_0_alt="Pads")
    response = client.post(
        f"/admin/visits/cars/{golf.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "is not really" in response.get_data(as_text=True)
    assert visits() == 0
    assert not media_folder(app).exists() or not list(media_folder(app).iterdir())


def test_a_photo_needs_words_for_screen_readers(client, login, golf, coordinator):
    login(coordinator)
    data = form(media_0_file=(BytesIO(png()), "pads.png", "image/png"))
    response = client.post(
        f"/admin/visits/cars/{golf.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "screen reader" in response.get_data(as_text=True)
    assert visits() == 0


def test_an_upload_over_the_limit_is_a_clear_413(app, client, login, golf, coordinator):
    login(coordinator)
    app.config["PORTAL_VISIT_UPLOAD_MAX_BYTES"] = 20_000
    data = form(media_0_file=(BytesIO(mp4(60_000)), "clip.mp4", "video/mp4"), media_0_alt="Clip")
    response = client.post(
        f"/admin/visits/cars/{golf.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "photos and clips together can be up to" in response.get_data(as_text=True)
    assert visits() == 0


def test_a_clip_answers_a_range_request_with_206_and_those_bytes(
    app, client, login, golf, coordinator
):
    clip = mp4()
    media = stored_visit(app, golf, coordinator, clip, "video/mp4")
    login(golf.owner)

    whole = client.get(f"/visits/media/{media.id}")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == clip
    part = client.get(f"/visits/media/{media.id}", headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.data == clip[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(clip)}"
    assert part.mimetype == "video/mp4"
    tail = client.get(f"/visits/media/{media.id}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == clip[-10:]
    car_page = client.get(f"/garage/{golf.id}").get_data(as_text=True)
    assert "<video controls" in car_page


def test_another_owner_cannot_fetch_the_files_and_strangers_must_sign_in(
    app, client, login, golf, coordinator, make_owner
):
    media = stored_visit(app, golf, coordinator, jpeg_with_gps((60, 40)), "image/jpeg")
    assert client.get(f"/visits/media/{media.id}").status_code == 302
    login(make_owner())
    assert client.get(f"/visits/media/{media.id}").status_code == 404
    assert client.get(f"/visits/media/{media.id}/thumb").status_code == 404
    assert "Walk-round" not in client.get("/garage").get_data(as_text=True)
    assert client.get(f"/garage/{golf.id}").status_code == 404


def test_staff_see_the_files_and_owners_cannot_open_the_staff_pages(
    app, client, login, golf, coordinator
):
    media = stored_visit(app, golf, coordinator, jpeg_with_gps((60, 40)), "image/jpeg")
    login(golf.owner)
    assert client.get(f"/admin/visits/cars/{golf.id}/complete").status_code == 403
    client.post("/logout")
    login(coordinator)
    assert client.get(f"/visits/media/{media.id}").status_code == 200
    assert client.get(f"/admin/visits/{media.visit_id}").status_code == 200
    found = client.get("/admin/visits", query_string={"q": "priya"}).get_data(as_text=True)
    assert "Blue Golf" in found


def test_the_owners_points_history_shows_the_visit(client, login, golf, coordinator):
    login(coordinator)
    client.post(f"/admin/visits/cars/{golf.id}/complete", data=form())
    client.post("/logout")
    login(golf.owner)
    page = client.get("/rewards").get_data(as_text=True)
    assert "Service visit for your Blue Golf" in page


@pytest.mark.parametrize(
    "hostile",
    [
        {"summary": "Oil\x00change"},
        {"mileage": "9" * 30},
        {"line_0_price": "1e400"},
        {"advice_0_due_on": "2026-02-30"},
        {"advice_0_due_miles": "-5"},
        {"summary": "x" * 100_000},
        {"submission": "../../etc/passwd"},
    ],
)
def test_hostile_input_is_a_polite_422_and_saves_nothing(client, login, golf, coordinator, hostile):
    login(coordinator)
    response = client.post(f"/admin/visits/cars/{golf.id}/complete", data=form(**hostile))
    assert response.status_code == 422
    assert visits() == 0


def test_a_retired_car_takes_no_new_visit(client, login, golf, coordinator):
    golf.retired_at = NOW
    db.session.commit()
    login(coordinator)
    response = client.post(f"/admin/visits/cars/{golf.id}/complete", data=form())
    assert response.status_code == 422
    assert "is no longer in its owner" in response.get_data(as_text=True)
