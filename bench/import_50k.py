"""Time a 50,000-row DMS import, preview then apply, with the memory each step took.

    .venv/bin/python bench/import_50k.py                     # SQLite in a temporary directory
    .venv/bin/python bench/import_50k.py --rows 10000        # the 10k file, to compare
    .venv/bin/python bench/import_50k.py --tracemalloc       # Python's own peak, slower
    .venv/bin/python bench/import_50k.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

The file is written to disk and read from there, as the upload is (Werkzeug spools large
uploads to a temporary file). Peak RSS is the process's high-water mark after each step
(`resource.getrusage`); with --tracemalloc, each step also reports the peak of memory
Python allocated during it. Invitations are queued as the admin page does for a large file.
"""

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from import_10k import fresh_postgres, generate_csv

from portal import clock, create_app
from portal.config import TestConfig
from portal.dealership.queries import dealership_profile
from portal.extensions import db
from portal.imports.models import ImportBatch
from portal.imports.services.applying import apply_import
from portal.imports.services.inviting import queue_invitations
from portal.imports.services.planning import preview_import

TARGET_SECONDS = 60


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Step:
    """Times one step and measures its memory."""

    def __init__(self, label: str, report: list, trace: bool) -> None:
        self.label, self.report, self.trace = label, report, trace

    def __enter__(self) -> "Step":
        if self.trace:
            tracemalloc.start()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        elapsed = time.perf_counter() - self.started
        traced = None
        if self.trace:
            traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
        self.report.append((self.label, elapsed, traced, peak_rss_mb()))


def run(database_url: str, folder: Path, csv_path: Path, trace: bool) -> list:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(folder / "instance"),
        MAIL_BACKEND="file",
        MAIL_OUTBOX=str(folder / "outbox"),
        PORTAL_BASE_URL="http://localhost",
    )
    app = create_app(config)
    report: list = []
    with app.test_request_context("/admin/imports"):
        db.drop_all()
        db.create_all()
        with Step("preview", report, trace), csv_path.open("rb") as upload:
            batch = preview_import(
                db.session,
                upload=upload,
                filename=csv_path.name,
                actor=None,
                phone_region="US",
                today=clock.now().date(),
            )
            db.session.commit()
        print(f"  {batch.summary | {'notes': None}}", file=sys.stderr)
        batch_id = batch.id
        db.session.expunge_all()
        with Step("apply", report, trace):
            batch = db.session.get(ImportBatch, batch_id)
            result = apply_import(db.session, batch, actor=None, now=clock.now())
            db.session.commit()
        with Step(f"queue {len(result['invitations'])} invitations", report, trace):
            queue_invitations(
                db.session,
                result["invitations"],
                dealership_name=dealership_profile(db.session)["name"],
                now=clock.now(),
            )
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to run against instead")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python's allocations")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / f"dms-{options.rows}.csv"
        started = time.perf_counter()
        csv_path.write_bytes(generate_csv(options.rows))
        elapsed = time.perf_counter() - started
        size = csv_path.stat().st_size
        print(f"generated {options.rows:,} rows ({size:,} bytes) in {elapsed:.2f}s")
        print(f"peak RSS before importing: {peak_rss_mb():.0f} MB")
        url = options.postgres
        database_url = f"sqlite:///{folder}/bench.sqlite3" if url is None else fresh_postgres(url)
        report = run(database_url, Path(folder), csv_path, options.tracemalloc)
    print(f"\n{'postgresql' if url else 'sqlite'}")
    heading = "python peak" if options.tracemalloc else ""
    print(f"  {'step':32} {'seconds':>8} {heading:>12} {'peak RSS':>9}")
    for label, seconds, traced, rss in report:
        python = f"{traced:9.0f} MB" if traced is not None else ""
        print(f"  {label:32} {seconds:8.2f} {python:>12} {rss:6.0f} MB")
    total = sum(seconds for _label, seconds, _traced, _rss in report)
    print(f"  {'total':32} {total:8.2f}  (target < {TARGET_SECONDS} s)")


if __name__ == "__main__":
    main()
