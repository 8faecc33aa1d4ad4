"""Files a DMS import must read or refuse politely: hostile cells, encodings, quotes, size."""

from io import BytesIO

from sqlalchemy import func, select

from portal.extensions import db
from portal.imports.models import ImportBatch
from portal.imports.rules import COLUMNS
from tests.imports.conftest import csv_bytes, dms_row, planned, preview_csv, upload_csv

HEADER = ",".join(COLUMNS).encode()


def _line(number: int, **overrides) -> bytes:
    """One data line of a DMS export, without its header."""
    return csv_bytes([dms_row(number, **overrides)]).split(b"\r\n", 1)[1]


def _rejections(batch: ImportBatch) -> dict[int, list[str]]:
    return {entry["row"]: entry["errors"] for entry in planned(batch) if entry["errors"]}


def _no_batch() -> bool:
    return db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_million_character_cell_rejects_its_row_and_the_others_are_read(client, as_admin):
    data = csv_bytes([dms_row(1), dms_row(2, last_name="x" * 1_000_000), dms_row(3)])
    batch = preview_csv(client, data)
    assert _rejections(batch) == {3: ["a cell is longer than 131,072 characters; row not read"]}
    assert batch.summary["create"] == 2
    page = client.get(f"/admin/imports/{batch.id}?show=rejected")
    assert page.status_code == 200
    assert "A cell is longer than 131,072 characters; row not read" in page.get_data(True)


def test_a_quote_closing_mid_cell_rejects_its_row(client, as_admin):
    broken = _line(2).replace(b"Dana,", b'"Da"na,', 1)
    batch = preview_csv(client, csv_bytes([dms_row(1)]) + broken + _line(3))
    assert _rejections(batch) == {3: ["a quote closes in the middle of a cell; row not read"]}
    assert batch.summary["create"] == 2
    page = client.get(f"/admin/imports/{batch.id}?show=rejected").get_data(True)
    assert "A quote closes in the middle of a cell" in page


def test_a_quote_never_closed_refuses_the_file_with_the_row(client, as_admin):
    broken = _line(2).replace(b"Dana,", b'"Dana,', 1)
    response = upload_csv(client, csv_bytes([dms_row(1)]) + broken + _line(3) + _line(4))
    assert response.status_code == 422
    assert "Row 3 opens a quote that is never closed" in response.get_data(True)
    assert _no_batch()


def test_a_nul_or_a_line_break_in_a_cell_rejects_that_row(client, as_admin):
    rows = [dms_row(1), dms_row(2, model="Ci\x00vic"), dms_row(3, last_name="Im\nport")]
    batch = preview_csv(client, csv_bytes(rows))
    assert _rejections(batch) == {
        3: ["model contains an invisible control character (such as NUL)"],
        4: ["last_name contains an invisible control character (such as NUL)"],
    }


def test_a_utf16_or_binary_file_is_refused_as_not_text(client, as_admin):
    for data in (
        csv_bytes([dms_row(1)]).decode().encode("utf-16"),
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 20,
    ):
        response = upload_csv(client, data)
        assert response.status_code == 422
        assert "not a plain-text CSV" in response.get_data(True)
    assert _no_batch()


def test_stray_windows_bytes_in_a_utf8_file_are_read_as_windows_1252(client, as_admin):
    data = csv_bytes([dms_row(1, first_name="Zoë"), dms_row(2)]).replace(
        b"Dana,Import2", b"Jos\xe9,Import2"
    )
    batch = preview_csv(client, data)
    assert [entry["name"] for entry in planned(batch)] == ["Zoë Import1", "José Import2"]
    assert batch.summary["rejected"] == 0


def test_the_same_bytes_are_recognised_by_their_hash(client, as_admin):
    import hashlib

    data = csv_bytes([dms_row(1)])
    assert preview_csv(client, data).sha256 == hashlib.sha256(data).hexdigest()


def test_an_owners_phone_from_a_row_in_a_later_chunk_reaches_their_first_row(
    client, as_admin, make_owner
):
    make_owner(email="dana1@example.com", phone=None)
    rows = [dms_row(1, phone="")] + [dms_row(n) for n in range(2, 600)]
    rows.append(dms_row(600, email="dana1@example.com", phone="202-555-0199"))
    rows.append(dms_row(601, phone=""))
    rows.append(dms_row(601 + 1000, email="dana601@example.com", phone="202-555-0198"))
    batch = preview_csv(client, csv_bytes(rows))
    plan = planned(batch)
    first, new_owner = plan[0], plan[600]
    assert first["owner_action"] == "update" and first["vehicle_action"] == "create"
    assert first["owner_changes"] == {"phone": [None, "+12025550199"]}
    assert new_owner["owner_action"] == "create" and new_owner["phone"] == "+12025550198"
    assert plan[599]["phone"] is None  # only the owner's first row sets it


def test_the_import_takes_a_5_mb_file(client, as_admin):
    padding = "p" * 100_000
    rows = [dms_row(number, notes=padding) for number in range(1, 56)]
    data = csv_bytes(rows, header=(*COLUMNS, "notes"))
    assert len(data) > 5 * 1024 * 1024
    batch = preview_csv(client, data)
    assert batch.summary["create"] == 55 and batch.summary["notes"] == ["Ignored column: notes."]


def test_the_import_refuses_a_file_over_its_own_setting(app, client, as_admin):
    app.config["PORTAL_IMPORT_MAX_BYTES"] = 1024 * 1024
    data = csv_bytes([dms_row(1, notes="p" * 100_000)] * 12, header=(*COLUMNS, "notes"))
    response = upload_csv(client, data)
    assert response.status_code == 413
    assert _no_batch()


def test_every_other_route_keeps_the_small_limit(client, as_admin):
    response = client.post(
        "/admin/imports/1/apply",
        data={"file": (BytesIO(b"x" * (4 * 1024 * 1024)), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    response = client.post("/login", data={"email": "a" * (4 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413


def test_an_owner_whose_rows_span_apply_chunks_is_created_once_with_all_cars(
    client, as_admin, outbox, monkeypatch
):
    from portal.imports.services import applying

    monkeypatch.setattr(applying, "APPLY_CHUNK", 2)
    rows = [dms_row(1), dms_row(2), dms_row(3, email="dana1@example.com", model="Pilot")]
    batch = preview_csv(client, csv_bytes(rows))
    response = client.post(f"/admin/imports/{batch.id}/apply")
    assert response.status_code == 303
    db.session.expire_all()
    assert batch.result["owners_created"] == 2 and batch.result["vehicles_created"] == 3
    assert batch.result["skipped"] == 0
    letters = [message for message in outbox() if message["To"] == "dana1@example.com"]
    body = letters[0].get_body(("plain",)).get_content()
    assert len(letters) == 1 and "2023 Honda Civic" in body and "2023 Honda Pilot" in body


def test_the_upload_page_and_the_form_state_the_limit_setting(app, client, as_admin):
    assert "A .csv file up to 20 MB" in client.get("/admin/imports").get_data(True)
    app.config["PORTAL_IMPORT_MAX_BYTES"] = 1.5 * 1024 * 1024
    assert "A .csv file up to 1.5 MB" in client.get("/admin/imports").get_data(True)


def test_a_stranger_cannot_send_the_import_a_large_body(client):
    data = csv_bytes([dms_row(1, notes="p" * 100_000)] * 40, header=(*COLUMNS, "notes"))
    response = upload_csv(client, data)
    assert response.status_code == 413
