"""A large import never holds its whole plan: planned in chunks as the file is read, shown a
page at a time, applied a chunk at a time."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.imports.models import ImportRow
from tests.imports.conftest import csv_bytes, dms_row, planned, preview_csv

LINES = 300


def _planned_so_far() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportRow))


def test_the_planner_writes_each_chunk_before_reading_past_it(client, as_admin, monkeypatch):
    """If the plan were built whole and written at the end, nothing would be in the table
    while the file is still being read."""
    from portal.imports.services import planning

    monkeypatch.setattr(planning, "PLAN_CHUNK", 40)
    read_rows = planning.read_rows
    written_when_read: list[int] = []

    def watched_read_rows(*args, **kwargs):
        rows, notes = read_rows(*args, **kwargs)

        def watched():
            for row in rows:
                written_when_read.append(_planned_so_far())
                yield row

        return watched(), notes

    monkeypatch.setattr(planning, "read_rows", watched_read_rows)
    rows = [dms_row(n) for n in range(1, LINES + 1)]
    rows[250] = dms_row(1, email="dana251@example.com")  # a repeat VIN across chunks
    batch = preview_csv(client, csv_bytes(rows))

    assert len(written_when_read) == LINES
    for read, written in enumerate(written_when_read):
        assert read - written < 40, f"line {read + 2} read with only {written} lines written"
    assert written_when_read[-1] == 280  # the last chunk is written after its last line
    assert _planned_so_far() == LINES and batch.row_count == LINES
    assert planned(batch)[250]["errors"] == [
        f"VIN {dms_row(1)['vin']} is also on row 2; fix the export"
    ]


def test_the_preview_page_reads_one_page_of_planned_rows(client, as_admin, count_queries):
    batch = preview_csv(client, csv_bytes([dms_row(n) for n in range(1, LINES + 1)]))
    for show in ("all", "changes", "create"):
        with count_queries() as statements:
            page = client.get(f"/admin/imports/{batch.id}?show={show}&page=3").get_data(True)
        reads = [sql for sql in statements if "import_rows" in sql]
        assert len(reads) == 1 and "LIMIT" in reads[0].upper(), reads
        assert page.count('<tr class="outcome-') == 50
        assert "Page 3 of 6 · 300 rows" in page
        assert '<td class="num">102</td>' in page and '<td class="num">152</td>' not in page


def test_apply_reads_the_planned_rows_a_chunk_at_a_time(client, as_admin, monkeypatch):
    from portal.imports.services import applying

    monkeypatch.setattr(applying, "APPLY_CHUNK", 64)
    lines_to_apply = applying.lines_to_apply
    chunk_sizes: list[int] = []

    def watched(session, batch_id, after_line, size):
        chunk = lines_to_apply(session, batch_id, after_line, size)
        chunk_sizes.append(len(chunk))
        return chunk

    monkeypatch.setattr(applying, "lines_to_apply", watched)
    rows = [dms_row(n) for n in range(1, LINES + 1)]
    rows.append(dms_row(LINES + 1, email="dana1@example.com", model="Pilot"))  # a later chunk
    batch = preview_csv(client, csv_bytes(rows))
    response = client.post(f"/admin/imports/{batch.id}/apply")
    assert response.status_code == 303
    assert chunk_sizes == [64, 64, 64, 64, 45, 0]
    db.session.expire_all()
    assert batch.result["owners_created"] == LINES and batch.result["vehicles_created"] == LINES + 1
    assert batch.result["skipped"] == 0
