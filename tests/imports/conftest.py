"""DMS import helpers: valid VINs, plausible DMS rows and the CSV a DMS exports."""

import csv
import io
import re

from sqlalchemy import select

from portal.extensions import db
from portal.garage.rules import with_check_digit
from portal.imports.models import ImportBatch, ImportRow


def vin_for(number: int) -> str:
    """A North American VIN (a 2024 Honda) with a correct check digit, unique per number."""
    return with_check_digit(f"1HGCM826_RA{number:06d}")


def csv_bytes(rows: list[dict], header: tuple[str, ...] | None = None) -> bytes:
    """A DMS-style export of the given rows (missing cells blank)."""
    from portal.imports.rules import COLUMNS

    header = header or COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
    return buffer.getvalue().encode()


def dms_row(number: int, **overrides) -> dict:
    """One plausible DMS row: owner `number`, their car."""
    row = {
        "customer_id": f"C-{number:05d}",
        "first_name": "Dana",
        "last_name": f"Import{number}",
        "email": f"dana{number}@example.com",
        "phone": f"202-555-{number % 10000:04d}",
        "vin": vin_for(number),
        "make": "Honda",
        "model": "Civic",
        "year": "2023",
        "purchase_date": "2023-05-01",
        "odometer": "12",
        "warranty_end_date": "2026-05-01",
        "warranty_miles": "36000",
    }
    row.update(overrides)
    return row


def upload_csv(client, data: bytes, name: str = "dms.csv"):
    """Post a DMS export to the import page, as the upload form does."""
    return client.post(
        "/admin/imports",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def preview_csv(client, data: bytes) -> ImportBatch:
    """Upload a DMS export and return the previewed batch it made."""
    response = upload_csv(client, data)
    assert response.status_code == 303, response.get_data(True)
    batch_id = int(re.search(r"/admin/imports/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(ImportBatch, batch_id)


def planned(batch: ImportBatch) -> list[dict]:
    """Every planned line of a previewed batch, in file order, as the preview page reads it."""
    statement = select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.line)
    return [row.entry() for row in db.session.scalars(statement)]


def skipped_lines(batch: ImportBatch) -> dict[int, str]:
    """Why apply skipped each line it skipped, by line number."""
    return {
        entry["row"]: entry["skipped_reason"] for entry in planned(batch) if entry["skipped_reason"]
    }
