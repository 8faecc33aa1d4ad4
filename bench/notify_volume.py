"""Send 10,000 queued emails with `flask notify run` to a real SMTP server, and check each once.

    .venv/bin/python bench/notify_volume.py                  # SQLite file in instance/bench/
    .venv/bin/python bench/notify_volume.py --runs 2         # two dispatchers at once
    .venv/bin/python bench/notify_volume.py --postgres postgresql://postgres@127.0.0.1:5432/bench_notify

Queues one message for each of 10,000 owners (as `notify_many` does), starts aiosmtpd on
loopback, runs the real command in fresh processes (start-up included), then checks that
every address received exactly one message and that every row says sent. Prints the rate.
On PostgreSQL the given database is the benchmark's own: its tables are dropped and made afresh.
"""

import argparse
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, make_url, select

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.reminders_due import analyze_after_bulk_load  # noqa: E402
from portal import create_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.config import normalise_database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.notifications.models import DeliveryStatus, Notification  # noqa: E402
from portal.notifications.services import Message, notify_many  # noqa: E402

FLASK = str(Path(sys.executable).parent / "flask")


class Collector:
    """An aiosmtpd handler that counts what arrives, by recipient (from the envelope)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"


def database_url(arguments) -> str:
    if not arguments.postgres:
        path = PROJECT / "instance" / "bench" / "notify_bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = make_url(normalise_database_url(arguments.postgres))
    if base.database in (None, "", "postgres", "template0", "template1"):
        sys.exit("--postgres needs a database of the benchmark's own, e.g. .../bench_notify")
    return base.render_as_string(hide_password=False)


def queue(url: str, count: int) -> list[str]:
    """A fresh schema, `count` owners and one queued email each; returns their addresses."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "file"})
    now = datetime.now(UTC)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.execute(
            insert(User),
            [
                {
                    "id": number,
                    "email": f"owner{number}@example.com",
                    "password_hash": "scrypt:bench",
                    "name": f"Owner Number{number}",
                    "preferred_channel": "email",
                }
                for number in range(1, count + 1)
            ],
        )
        owners = db.session.scalars(select(User).order_by(User.id)).all()
        for start in range(0, count, 1000):
            notify_many(
                db.session,
                [
                    Message(
                        user=owner,
                        key=f"bench:volume:{owner.id}",
                        kind="event",
                        subject=f"{owner.first_name}, your seat at the tyre clinic is confirmed",
                        body="We look forward to seeing you on Saturday.\n\nBring the car.",
                        action_path="/events",
                        action_label="See your events",
                    )
                    for owner in owners[start : start + 1000]
                ],
                now,
            )
        db.session.commit()
        analyze_after_bulk_load()
        db.session.commit()
        addresses = [owner.email for owner in owners]
        db.engine.dispose()
    return addresses


def statuses(url: str) -> dict[str, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "file"})
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Notification.status, func.count()).group_by(Notification.status)
            ).all()
        )
        db.engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="dispatchers started at once")
    parser.add_argument("--postgres", help="a database of its own; its tables are replaced")
    arguments = parser.parse_args()

    url = database_url(arguments)
    addresses = queue(url, arguments.messages)
    collector = Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "PORTAL_BASE_URL": "https://club.example",
            "SECRET_KEY": "bench-secret-key",
        }
        command = [FLASK, "--app", "portal", "notify", "run"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        processes = [
            subprocess.Popen(command, env=env, cwd=PROJECT, stdout=subprocess.PIPE, text=True)
            for _ in range(arguments.runs)
        ]
        outputs = [process.communicate(timeout=600)[0].strip() for process in processes]
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        controller.stop()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server_cpu = sum(
        getattr(server_after, field) - getattr(server_before, field)
        for field in ("ru_utime", "ru_stime")
    )
    engine = "PostgreSQL" if arguments.postgres else "SQLite"
    print(f"{engine}: {arguments.runs} run(s) of `flask notify run`: " + " | ".join(outputs))
    twice = [address for address, times in collector.received.items() if times > 1]
    missing = set(addresses) - set(collector.received)
    by_status = statuses(url)
    print(
        f"{sum(collector.received.values()):,} messages received for {len(addresses):,} queued "
        f"in {elapsed:.1f} s: {len(addresses) / elapsed:,.0f} messages/s; "
        f"CPU {cpu:.1f} s in dispatch, {server_cpu:.1f} s in the SMTP server; "
        f"load average {os.getloadavg()[0]:.1f}; rows by status {by_status}"
    )
    if twice or missing or by_status != {DeliveryStatus.SENT: len(addresses)}:
        sys.exit(f"NOT exactly once: {len(twice)} twice, {len(missing)} missing")
    print("every message arrived exactly once")


if __name__ == "__main__":
    main()
