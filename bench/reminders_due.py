"""Benchmark `flask reminders due` over a generated fleet (100,000 cars by default).

    .venv/bin/python bench/reminders_due.py                       # SQLite file in /tmp
    .venv/bin/python bench/reminders_due.py --postgres postgresql://postgres@127.0.0.1:5432/reminders_bench

Generates owners, cars, odometer readings, service records, protection products and two
campaigns with bulk inserts, then times the real command in a fresh process (start-up
included) and prints the figures. Not part of the test run.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from portal import create_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.garage.models import (  # noqa: E402
    OdometerReading,
    ProtectionProduct,
    ServiceRecord,
    Vehicle,
)
from portal.reminders.models import RecallCampaign, SeasonalCampaign  # noqa: E402

AS_OF = date(2025, 11, 20)
MODELS = [
    ("Honda", "Civic"), ("Honda", "CR-V"), ("Toyota", "RAV4"), ("Toyota", "Corolla"),
    ("Mazda", "CX-5"), ("Volvo", "XC60"), ("Ford", "F-150"), ("Kia", "Niro"),
]  # fmt: skip
CHUNK = 20_000


def bulk(model, rows: list[dict]) -> None:
    """Insert rows in large executemany batches."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def analyze_after_bulk_load() -> None:
    """PostgreSQL: vacuum and gather the planner's statistics now, as autovacuum would soon
    after a load.

    Without statistics the planner guesses (71 cars per owner, say) and picks plans no running
    server would: a bitmap AND over every active car for one owner's cars, 14 ms a call
    instead of 0.02. Without a vacuum no page is marked all-visible, so no index-only scan is
    possible and every count visits the table (the dashboard's counts of referrals by stage
    read 97 table pages per stage). The benchmarks' server may run with autovacuum off, so
    neither ever comes. SQLite gathers statistics only when asked (`ANALYZE`), which the
    portal never does; its files stay as they are.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        # VACUUM runs outside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def generate(url: str, vehicles: int, seed: int = 7) -> None:
    """A fresh schema filled with `vehicles` cars and their history."""
    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "file"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = datetime.now(UTC)
        owners = max(1, int(vehicles * 0.7))
        bulk(
            User,
            [
                {
                    "id": number,
                    "email": f"owner{number}@example.com",
                    "password_hash": "scrypt:bench",
                    "name": f"Owner {number}",
                    "preferred_channel": "email",
                    "birthday": date(1950 + number % 50, 1 + number % 12, 1 + number % 28),
                    "birthday_messages": number % 3 == 0,
                    "consent_service": True,
                    "consent_event_invites": True,
                    "consent_recognition": False,
                    "role": "owner",
                    "tier_level": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(1, owners + 1)
            ],
        )
        cars, readings, services, products = [], [], [], []
        for number in range(1, vehicles + 1):
            make, model = MODELS[number % len(MODELS)]
            bought = AS_OF - timedelta(days=rng.randint(20, 2500))
            odometer = rng.randint(5, 40_000)
            rate = rng.uniform(8, 70)
            cars.append(
                {
                    "id": number,
                    "owner_id": 1 + (number - 1) % owners,
                    "vin": f"BENCH{number:012d}",
                    "make": make,
                    "model": model,
                    "year": rng.randint(2015, 2025),
                    "purchase_date": bought,
                    "purchase_odometer": odometer,
                    "warranty_end_date": bought + timedelta(days=365 * 3),
                    "warranty_miles": odometer + 36_000,
                    "retired_at": now if number % 40 == 0 else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            days_owned = (AS_OF - bought).days
            for _ in range(rng.randint(0, 2)):
                day = rng.randint(1, days_owned)
                readings.append(
                    {
                        "vehicle_id": number,
                        "read_on": bought + timedelta(days=day),
                        "miles": int(odometer + rate * day),
                    }
                )
            for _ in range(rng.randint(0, 3)):
                day = rng.randint(1, days_owned)
                services.append(
                    {
                        "vehicle_id": number,
                        "performed_on": bought + timedelta(days=day),
                        "miles": int(odometer + rate * day) if rng.random() < 0.9 else None,
                        "work_done": "Oil and filter",
                        "at_dealership": True,
                        "recall_code": "24V-318" if rng.random() < 0.02 else None,
                    }
                )
            if number % 10 == 0:
                products.append(
                    {
                        "vehicle_id": number,
                        "name": "Tyre and wheel",
                        "ends_on": bought + timedelta(days=4 * 365),
                        "ends_at_miles": odometer + 50_000,
                    }
                )
        bulk(Vehicle, cars)
        bulk(OdometerReading, readings)
        bulk(ServiceRecord, services)
        bulk(ProtectionProduct, products)
        db.session.add_all(
            [
                SeasonalCampaign(
                    name="Winter tyres", start_month=10, start_day=15, end_month=11, end_day=30
                ),
                RecallCampaign(
                    code="24V-318",
                    title="Seat belt buckle",
                    make="honda",
                    model="civic",
                    year_from=2018,
                    year_to=2022,
                    issued_on=date(2025, 9, 1),
                ),
            ]
        )
        db.session.commit()
        analyze_after_bulk_load()
        print(
            f"generated {owners:,} owners, {len(cars):,} cars, {len(readings):,} readings, "
            f"{len(services):,} service records, {len(products):,} products"
        )
        db.engine.dispose()


def time_command(url: str, include_all: bool) -> tuple[float, float, int]:
    """Run `flask reminders due --json` in a fresh process: (wall s, CPU s, reminders)."""
    import json
    import resource

    command = [
        str(Path(sys.executable).parent / "flask"),
        "--app",
        "portal",
        "reminders",
        "due",
        "--as-of",
        AS_OF.isoformat(),
        "--json",
    ] + (["--all"] if include_all else [])
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command,
        env={**os.environ, "DATABASE_URL": url},
        cwd=PROJECT,
        capture_output=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return elapsed, cpu, len(json.loads(result.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--sqlite", default=str(PROJECT / "instance" / "reminders_bench.sqlite3"))
    parser.add_argument(
        "--reuse", action="store_true", help="time an already generated database again"
    )
    parser.add_argument("--postgres", help="also run against this PostgreSQL database URL")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()

    urls = [f"sqlite:///{arguments.sqlite}"]
    if arguments.postgres:
        urls.append(arguments.postgres)
    for url in urls:
        if not arguments.reuse:
            started = time.perf_counter()
            generate(url, arguments.vehicles)
            print(f"{url}: data generated in {time.perf_counter() - started:.1f} s")
        for include_all in (False, True):
            timings, cpu_times = [], []
            for _ in range(arguments.runs):
                seconds, cpu, count = time_command(url, include_all)
                timings.append(seconds)
                cpu_times.append(cpu)
            label = "due --all" if include_all else "due"
            print(
                f"  reminders {label}: {count:,} reminders; wall best {min(timings):.2f} s, "
                f"worst {max(timings):.2f} s; CPU best {min(cpu_times):.2f} s "
                f"over {arguments.runs} runs (process start included); "
                f"load average {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
