"""Importing owners and cars from a DMS export: preview, apply, idempotence, rejections."""

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch
from tests.imports.conftest import (
    csv_bytes,
    dms_row,
    planned,
    preview_csv,
    skipped_lines,
    upload_csv,
    vin_for,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _apply(client, batch: ImportBatch):
    response = client.post(f"/admin/imports/{batch.id}/apply")
    assert response.status_code == 303
    db.session.expire_all()
    return response


def _rows_by_number(batch: ImportBatch) -> dict[int, dict]:
    return {entry["row"]: entry for entry in planned(batch)}


def test_preview_writes_nothing_but_the_plan(client, as_admin, outbox):
    users_before = _count(User)
    batch = preview_csv(client, csv_bytes([dms_row(1), dms_row(2)]))
    assert (_count(User), _count(Vehicle)) == (users_before, 0)
    assert batch.summary["create"] == 2 and batch.summary["owners_created"] == 2
    assert outbox() == []
    page = client.get(f"/admin/imports/{batch.id}").get_data(True)
    assert "Apply import" in page and "dana1@example.com" in page


def test_apply_creates_owners_cars_and_one_invitation_each(client, as_admin, outbox):
    rows = [dms_row(1), dms_row(2), dms_row(3, email="dana1@example.com", model="Pilot")]
    batch = preview_csv(client, csv_bytes(rows))
    assert batch.summary["owners_created"] == 2 and batch.summary["vehicles_created"] == 3
    _apply(client, batch)
    dana = db.session.scalar(select(User).where(User.email == "dana1@example.com"))
    assert dana.name == "Dana Import1" and dana.phone == "+12025550001"
    assert sorted(
        v.model for v in db.session.scalars(select(Vehicle).where(Vehicle.owner_id == dana.id))
    ) == [
        "Civic",
        "Pilot",
    ]
    messages = outbox()
    assert sorted(m["To"] for m in messages) == ["dana1@example.com", "dana2@example.com"]
    body = (
        next(m for m in messages if m["To"] == "dana1@example.com")
        .get_body(("plain",))
        .get_content()
    )
    assert "2023 Honda Civic" in body and "2023 Honda Pilot" in body and "/welcome/" in body
    assert batch.status == "applied"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.apply"))
    assert entry.entity_id == str(batch.id) and entry.after["owners_created"] == 2


def test_importing_the_same_file_again_changes_nothing(client, as_admin, outbox):
    data = csv_bytes([dms_row(n) for n in range(1, 6)])
    _apply(client, preview_csv(client, data))
    snapshot = {
        "users": sorted((u.id, u.updated_at) for u in db.session.scalars(select(User))),
        "vehicles": sorted((v.id, v.updated_at) for v in db.session.scalars(select(Vehicle))),
    }
    mails = len(outbox())

    again = preview_csv(client, data)
    assert again.summary["unchanged"] == 5
    assert again.summary["create"] == again.summary["update"] == again.summary["rejected"] == 0
    assert "already imported" in client.get(f"/admin/imports/{again.id}").get_data(True)
    _apply(client, again)
    assert {
        "users": sorted((u.id, u.updated_at) for u in db.session.scalars(select(User))),
        "vehicles": sorted((v.id, v.updated_at) for v in db.session.scalars(select(Vehicle))),
    } == snapshot
    assert len(outbox()) == mails


def test_malformed_rows_are_reported_by_row_number_and_good_rows_still_apply(client, as_admin):
    rows = [
        dms_row(1),
        dms_row(2, email="not-an-email"),
        dms_row(3, vin=vin_for(3)[:-1] + ("0" if vin_for(3)[-1] != "0" else "1")),
        dms_row(4, year="twenty"),
        dms_row(5),
        dms_row(6, vin=vin_for(5)),
        dms_row(7, purchase_date="31/31/2020"),
        dms_row(8, phone="not a phone"),
    ]
    batch = preview_csv(client, csv_bytes(rows))
    plan = _rows_by_number(batch)
    # Spreadsheet numbering: the header is row 1, so dms_row(1) is row 2.
    assert plan[3]["errors"] == ["email “not-an-email” is not a valid address"]
    assert "its check digit (the 9th character)" in plan[4]["errors"][0]
    assert plan[5]["errors"] == ["year “twenty” is not a whole number"]
    assert plan[7]["errors"] == [f"VIN {vin_for(5)} is also on row 6; fix the export"]
    assert "purchase_date" in plan[8]["errors"][0]
    assert plan[9]["outcome"] == "create" and "not recognised" in plan[9]["warnings"][0]
    assert batch.summary["rejected"] == 5 and batch.summary["create"] == 3
    page = client.get(f"/admin/imports/{batch.id}?show=rejected").get_data(True)
    assert "Email “not-an-email” is not a valid address" in page

    _apply(client, batch)
    emails = set(db.session.scalars(select(User.email)))
    assert {"dana1@example.com", "dana5@example.com", "dana8@example.com"} <= emails
    assert (
        not {"dana3@example.com", "dana4@example.com", "dana6@example.com", "dana7@example.com"}
        & emails
    )
    assert _count(Vehicle) == 3


def test_a_vin_registered_to_another_owner_is_rejected(client, as_admin, make_owner, make_vehicle):
    someone = make_owner(email="someone@example.com")
    make_vehicle(someone, vin=vin_for(1))
    batch = preview_csv(client, csv_bytes([dms_row(1)]))
    assert "registered to another owner" in planned(batch)[0]["errors"][0]
    _apply(client, batch)
    assert db.session.scalar(select(User).where(User.email == "dana1@example.com")) is None


def test_existing_owner_gets_new_car_missing_phone_and_keeps_their_name(
    client, as_admin, make_owner, make_vehicle, outbox
):
    owner = make_owner(email="dana1@example.com", name="Dana Prefers-This")
    existing = make_vehicle(owner, vin=vin_for(2), model="Civic", year=2023, purchase_odometer=None)
    rows = [dms_row(1), dms_row(2, email="dana1@example.com", odometer="15")]
    batch = preview_csv(client, csv_bytes(rows))
    plan = _rows_by_number(batch)
    assert plan[2]["owner_action"] == "update" and plan[2]["vehicle_action"] == "create"
    assert plan[3]["vehicle_changes"]["purchase_odometer"] == [None, 15]
    _apply(client, batch)
    assert owner.name == "Dana Prefers-This" and owner.phone == "+12025550001"
    assert existing.purchase_odometer == 15
    assert _count(Vehicle) == 2
    assert outbox() == []  # they already have an account


def test_staff_email_and_deactivated_owner_are_rejected(client, as_admin, make_owner, coordinator):
    from portal import clock

    make_owner(email="gone@example.com", deactivated_at=clock.now())
    batch = preview_csv(
        client,
        csv_bytes([dms_row(1, email=coordinator.email), dms_row(2, email="gone@example.com")]),
    )
    assert "staff account" in planned(batch)[0]["errors"][0]
    assert "deactivated" in planned(batch)[1]["errors"][0]


def test_a_row_whose_vin_was_taken_after_the_preview_is_skipped_whole(
    client, as_admin, make_owner, make_vehicle, outbox
):
    batch = preview_csv(client, csv_bytes([dms_row(1), dms_row(2)]))
    make_vehicle(make_owner(email="quick@example.com"), vin=vin_for(2))
    _apply(client, batch)
    # Row 3 would have created an owner and a car: neither exists, not even the owner.
    assert db.session.scalar(select(User).where(User.email == "dana2@example.com")) is None
    assert db.session.scalar(select(User).where(User.email == "dana1@example.com")) is not None
    assert batch.result["skipped"] == 1
    assert skipped_lines(batch) == {3: f"VIN {vin_for(2)} was registered since the preview"}
    assert [m["To"] for m in outbox()] == ["dana1@example.com"]


def test_a_batch_is_applied_once_even_when_confirm_is_sent_twice(client, as_admin, outbox):
    batch = preview_csv(client, csv_bytes([dms_row(1)]))
    _apply(client, batch)
    _apply(client, batch)
    assert _count(User) == 2 and len(outbox()) == 1


def test_file_without_required_columns_is_refused(client, as_admin):
    response = upload_csv(client, b"name,email\nSam,sam@example.com\n")
    assert response.status_code == 422
    assert "lacks first_name, last_name, vin, make, model, year" in response.get_data(True)
    assert _count(ImportBatch) == 0


def test_sample_file_previews_cleanly(client, as_admin):
    sample = client.get("/admin/imports/sample.csv")
    assert sample.mimetype == "text/csv"
    batch = preview_csv(client, sample.data)
    assert batch.summary["rejected"] == 0 and batch.summary["create"] == 3


def test_windows_encoded_semicolon_file_is_read(client, as_admin):
    data = csv_bytes([dms_row(1, first_name="José")]).decode().replace(",", ";").encode("cp1252")
    batch = preview_csv(client, data)
    assert planned(batch)[0]["name"] == "José Import1" and planned(batch)[0]["outcome"] == "create"


def test_a_row_the_database_refuses_is_undone_whole_and_its_chunk_neighbours_apply(
    client, as_admin, make_owner, make_vehicle, monkeypatch
):
    """A race the plan cannot see (a VIN registered between apply's load and its insert)."""
    from portal.imports.services import applying as importer

    batch = preview_csv(client, csv_bytes([dms_row(1), dms_row(2), dms_row(3)]))
    make_vehicle(make_owner(email="racer@example.com"), vin=vin_for(2))
    monkeypatch.setattr(importer, "active_vehicles_by_vin", lambda session, vins: {})
    _apply(client, batch)
    emails = set(db.session.scalars(select(User.email)))
    assert {"dana1@example.com", "dana3@example.com"} <= emails
    assert "dana2@example.com" not in emails  # its owner was not half-created
    assert batch.result["skipped"] == 1
    assert skipped_lines(batch) == {3: "the database refused it; upload again"}
    assert _count(Vehicle) == 3


def test_an_expired_preview_cannot_be_applied_and_says_upload_again(client, as_admin):
    batch = preview_csv(client, csv_bytes([dms_row(1)]))
    batch.status = "expired"
    db.session.commit()
    page = client.get(f"/admin/imports/{batch.id}").get_data(True)
    assert "This preview has expired" in page and "Apply import" not in page
    response = client.post(f"/admin/imports/{batch.id}/apply", follow_redirects=True)
    assert "This preview has expired. Upload the file again." in response.get_data(True)
    assert db.session.scalar(select(User).where(User.email == "dana1@example.com")) is None
    assert "Expired" in client.get("/admin/imports").get_data(True)
