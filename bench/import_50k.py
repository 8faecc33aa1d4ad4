"""Time a 50,000-row DMS import, preview then apply, and show its memory does not grow with
the file: the same import of 10,000 rows runs beside it and both peaks are printed.

    .venv/bin/python bench/import_50k.py                     # 10k and 50k on SQLite
    .venv/bin/python bench/import_50k.py --rows 2000 20000   # other sizes
    .venv/bin/python bench/import_50k.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Each size runs twice, each time in a fresh process reading the file from disk, as the upload
is read (Werkzeug spools large uploads to a temporary file):
- timed: seconds per step, and the process's peak resident memory (`ru_maxrss`) before
  importing and after each step;
- traced: the same import under `tracemalloc`, for the peak of memory Python allocated
  during each step (slower, so its times are not reported).
Invitations are queued as the admin page does for a large file (the job sends them).
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from import_10k import fresh_postgres, generate_csv

TARGET_SECONDS = 60
STEPS = ("preview", "apply", "invite")


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Step:
    """Times one step and measures its memory into `report[label]`."""

    def __init__(self, label: str, report: dict, trace: bool) -> None:
        self.label, self.report, self.trace = label, report, trace

    def __enter__(self) -> "Step":
        if self.trace:
            tracemalloc.start()
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        elapsed = time.perf_counter() - self.started
        cpu = time.process_time() - self.cpu_started
        traced = None
        if self.trace:
            traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
        self.report[self.label] = {
            "seconds": elapsed,
            "cpu": cpu,
            "traced": traced,
            "rss": peak_rss_mb(),
        }


def import_once(database_url: str, folder: Path, csv_path: Path, trace: bool) -> dict:
    """Preview, apply and invite one file in this process; what each step took."""
    from portal import clock, create_app
    from portal.config import TestConfig
    from portal.dealership.queries import dealership_profile
    from portal.extensions import db
    from portal.imports.models import ImportBatch
    from portal.imports.services.applying import apply_import
    from portal.imports.services.inviting import queue_invitations
    from portal.imports.services.planning import preview_import

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(folder / "instance"),
        MAIL_BACKEND="file",
        MAIL_OUTBOX=str(folder / "outbox"),
        PORTAL_BASE_URL="http://localhost",
    )
    app = create_app(config)
    report: dict = {}
    with app.test_request_context("/admin/imports"):
        db.drop_all()
        db.create_all()
        report["before"] = {"rss": peak_rss_mb()}
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
        report["summary"] = batch.summary | {"notes": None}
        batch_id = batch.id
        db.session.expunge_all()
        with Step("apply", report, trace):
            batch = db.session.get(ImportBatch, batch_id)
            now = clock.now()
            report["result"] = apply_import(
                db.session, batch, actor=None, now=now, today=now.date()
            )
            db.session.commit()
        with Step("invite", report, trace):
            invited = queue_invitations(
                db.session,
                batch,
                dealership_name=dealership_profile(db.session)["name"],
                now=clock.now(),
            )
            db.session.commit()
        report["invited"] = invited.count
        db.session.remove()
        db.engine.dispose()
    return report


def in_child(rows: int, csv_path: Path, postgres: str | None, trace: bool) -> dict:
    """Run one import in a fresh process, so its peak memory is its own."""
    command = [sys.executable, __file__, "--child", str(csv_path), "--rows", str(rows)]
    command += ["--postgres", postgres] if postgres else []
    command += ["--tracemalloc"] if trace else []
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def child(options: argparse.Namespace) -> None:
    """The child's side: import the file given, print the report as one JSON line."""
    csv_path = Path(options.child)
    with tempfile.TemporaryDirectory() as folder:
        url = options.postgres
        database_url = f"sqlite:///{folder}/bench.sqlite3" if url is None else fresh_postgres(url)
        report = import_once(database_url, Path(folder), csv_path, options.tracemalloc)
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--postgres", help="a PostgreSQL server URL to run against instead")
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options)
        return

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for rows in options.rows:
            csv_path = Path(folder) / f"dms-{rows}.csv"
            csv_path.write_bytes(generate_csv(rows))
            print(f"{rows:,} rows: {csv_path.stat().st_size:,} bytes", file=sys.stderr)
            timed = in_child(rows, csv_path, options.postgres, trace=False)
            traced = in_child(rows, csv_path, options.postgres, trace=True)
            print(f"  {timed['summary']}", file=sys.stderr)
            print(f"  {timed['result']} invited {timed['invited']}", file=sys.stderr)
            results[rows] = (timed, traced)
    print(f"\n{'postgresql' if options.postgres else 'sqlite'}: seconds of wall clock (of CPU)")
    print(
        f"  {'rows':>7} {'preview':>13} {'apply':>13} {'invite':>13} {'total':>13}"
        f"  {'RSS before':>10} {'RSS peak':>9}  python peak: preview / apply / invite"
    )
    for rows, (timed, traced) in results.items():
        steps = [timed[step] for step in STEPS]
        times = [(step["seconds"], step["cpu"]) for step in steps]
        times.append((sum(wall for wall, _cpu in times), sum(cpu for _wall, cpu in times)))
        python = " / ".join(f"{traced[step]['traced']:.1f} MB" for step in STEPS)
        print(
            f"  {rows:>7,}"
            + "".join(f" {wall:6.1f} ({cpu:4.1f})" for wall, cpu in times)
            + f"  {timed['before']['rss']:7.0f} MB {timed['invite']['rss']:6.0f} MB"
            + f"  {python}"
        )
    print(f"  target: a 50,000-row file previews and applies in under {TARGET_SECONDS} s")


if __name__ == "__main__":
    main()
