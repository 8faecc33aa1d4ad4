"""Time a 10,000-row DMS import: preview, apply, queued invitations, and the re-import.

    .venv/bin/python bench/import_10k.py                 # SQLite in a temporary directory
    .venv/bin/python bench/import_10k.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/import_10k.py --rows 2000 --no-invitations

PostgreSQL runs in a fresh database `admin_import_bench` created next to the given URL.
Invitations are queued as notifications, as the admin page does for a large file; sending
them is the job of `flask notify run`, timed separately by the notification tests.
"""

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, make_url, select

from portal import clock, create_app
from portal.accounts.models import User
from portal.config import TestConfig, normalise_database_url
from portal.dealership.queries import dealership_profile
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.imports.rules import COLUMNS
from portal.imports.services.applying import apply_import
from portal.imports.services.inviting import queue_invitations
from portal.imports.services.planning import preview_import

VIN_VALUES = {str(digit): digit for digit in range(10)} | dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MODELS = [
    ("Honda", "Civic"),
    ("Honda", "Accord"),
    ("Honda", "CR-V"),
    ("Honda", "Pilot"),
    ("Honda", "Odyssey"),
]
FIRST = ["Sam", "Priya", "Marcus", "Elena", "Grace", "Kenji", "Amara", "Liam", "Sofia", "Noah"]
LAST = [
    "Okafor",
    "Patel",
    "Reyes",
    "Novak",
    "Whitfield",
    "Tanaka",
    "Mensah",
    "Byrne",
    "Rossi",
    "Chen",
]


def vin(number: int) -> str:
    """A North American VIN with a valid check digit."""
    draft = f"1HGCM8260RA{number:06d}"
    total = sum(VIN_VALUES[char] * weight for char, weight in zip(draft, VIN_WEIGHTS, strict=True))
    return draft[:8] + ("X" if total % 11 == 10 else str(total % 11)) + draft[9:]


def generate_csv(rows: int, seed: int = 7) -> bytes:
    """About 1.25 cars per owner, 1% malformed rows, realistic formats, service history and
    birthdays on most rows."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    owner = 0
    for number in range(rows):
        if number == 0 or rng.random() > 0.2:
            owner += 1
        make, model = rng.choice(MODELS)
        email = (
            f"owner{owner}@example.com" if rng.random() > 0.01 else f"owner{owner}-at-example.com"
        )
        writer.writerow(
            [
                f"C-{owner:06d}",
                FIRST[owner % len(FIRST)],
                f"{LAST[owner % len(LAST)]}-{owner}",
                email,
                f"(202) 555-{owner % 10000:04d}" if rng.random() > 0.3 else "",
                vin(number),
                make,
                model,
                rng.randint(2015, 2025),
                f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2015, 2025)}",
                f"{rng.randint(0, 60000):,}",
                f"2028-{rng.randint(1, 12):02d}-01",
                36000,
                *_history(rng),
            ]
        )
    return buffer.getvalue().encode()


def _history(rng: random.Random) -> tuple[str, str, str]:
    """A last service visit on most rows (2025, after any purchase), a birthday on half."""
    visit = rng.random() < 0.7
    born = rng.random() < 0.5
    return (
        f"2025-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}" if visit else "",
        f"{rng.randint(60_001, 90_000):,}" if visit else "",
        f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if born
        else "",
    )


def fresh_postgres(url: str) -> str:
    import psycopg

    base = make_url(normalise_database_url(url))
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "admin_import_bench" WITH (FORCE)')
        connection.execute('CREATE DATABASE "admin_import_bench"')
    return base.set(database="admin_import_bench").render_as_string(hide_password=False)


def run(database_url: str, folder: Path, data: bytes, invitations: bool) -> dict[str, float]:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(folder / "instance"),
        MAIL_BACKEND="file",
        MAIL_OUTBOX=str(folder / "outbox"),
        PORTAL_BASE_URL="http://localhost",
    )
    app = create_app(config)
    timings: dict[str, float] = {}
    with app.test_request_context("/admin/imports"):
        db.drop_all()
        db.create_all()
        for round_name in ("first", "again"):
            started = time.perf_counter()
            batch = preview_import(
                db.session,
                upload=io.BytesIO(data),
                filename="dms-10k.csv",
                actor=None,
                phone_region="US",
                today=clock.now().date(),
            )
            db.session.commit()
            timings[f"{round_name} preview"] = time.perf_counter() - started
            started = time.perf_counter()
            apply_import(db.session, batch, actor=None, now=clock.now(), today=clock.now().date())
            db.session.commit()
            timings[f"{round_name} apply"] = time.perf_counter() - started
            if invitations:
                started = time.perf_counter()
                with app.test_request_context(base_url="http://localhost"):
                    queued = queue_invitations(
                        db.session,
                        batch,
                        dealership_name=dealership_profile(db.session)["name"],
                        now=clock.now(),
                    )
                    db.session.commit()
                timings[f"{round_name} queue {queued.count} invitations"] = (
                    time.perf_counter() - started
                )
            print(f"  {round_name}: {batch.summary | {'notes': None}}", file=sys.stderr)
            counts = (
                db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Vehicle)),
            )
            timings[f"{round_name} users/vehicles"] = counts
        db.session.remove()
        db.engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to also run against")
    parser.add_argument("--no-invitations", action="store_true", help="skip queueing invitations")
    options = parser.parse_args()

    started = time.perf_counter()
    data = generate_csv(options.rows)
    elapsed = time.perf_counter() - started
    print(f"generated {options.rows:,} rows ({len(data):,} bytes) in {elapsed:.2f}s")
    targets = [("sqlite", None)] + ([("postgresql", options.postgres)] if options.postgres else [])
    for name, url in targets:
        with tempfile.TemporaryDirectory() as folder:
            database_url = (
                f"sqlite:///{folder}/bench.sqlite3" if url is None else fresh_postgres(url)
            )
            timings = run(database_url, Path(folder), data, not options.no_invitations)
        print(f"\n{name}")
        total = 0.0
        for label, value in timings.items():
            if isinstance(value, float):
                total += value if label.startswith("first") else 0
                print(f"  {label:48} {value:7.2f}s")
            else:
                print(f"  {label:48} {value}")
        print(f"  {'first import total':48} {total:7.2f}s  (target < 30 s)")


if __name__ == "__main__":
    main()
