"""`flask backup create` while writers are busy gives a consistent copy; `verify` checks it."""

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, insert, make_url, select, text

from portal.accounts.models import User
from portal.backup import _libpq_url
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.models import utcnow

WRITERS = 3
#: The owner of the pair `Writers.one_pair_half_written` leaves open during a backup.
HALF_WRITTEN = "half-written@example.com"
_OWNER = {
    "name": "Half Written",
    "password_hash": "x",
    "role": "owner",
    "preferred_channel": "email",
}
_CAR = {"make": "Honda", "model": "Fit", "year": 2020, "purchase_date": date(2020, 1, 1)}


class Writers:
    """Threads that each commit (owner, car) pairs in sequence, counting what is committed."""

    def __init__(self, engine):
        self.engine = engine
        self.committed = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def _write(self, writer: int) -> None:
        sequence = 0
        try:
            while not self.stop.is_set():
                with self.engine.begin() as connection:
                    now = utcnow()
                    user_id = connection.execute(
                        insert(User).returning(User.id),
                        {
                            "email": f"w{writer}-{sequence}@example.com",
                            "name": f"Writer {writer}",
                            "password_hash": "x",
                            "role": "owner",
                            "preferred_channel": "email",
                            "created_at": now,
                            "updated_at": now,
                        },
                    ).scalar_one()
                    connection.execute(
                        insert(Vehicle),
                        {
                            "owner_id": user_id,
                            "vin": f"W{writer}{sequence:015d}",
                            "make": "Honda",
                            "model": "Fit",
                            "year": 2020,
                            "purchase_date": date(2020, 1, 1),
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                with self.lock:
                    self.committed += 1
                sequence += 1
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        # Busy means committing: wait for that however slow the machine, not a fixed time.
        deadline = time.monotonic() + 120
        while self.committed < 50:
            if self.errors or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the writers committed {self.committed} rows: {self.errors}")
            time.sleep(0.01)
        return self

    @contextmanager
    def one_pair_half_written(self) -> Iterator[None]:
        """Inside: one more owner is written without their car yet, in a transaction left
        open until the block ends; then the car follows and it commits. A backup taken
        inside runs while that transaction is open, every time, however fast it is."""
        written, finish = threading.Event(), threading.Event()

        def write() -> None:
            try:
                with self.engine.begin() as connection:
                    now = utcnow()
                    user_id = connection.execute(
                        insert(User).returning(User.id),
                        {**_OWNER, "email": HALF_WRITTEN, "created_at": now, "updated_at": now},
                    ).scalar_one()
                    written.set()
                    finish.wait(timeout=60)
                    connection.execute(
                        insert(Vehicle),
                        {**_CAR, "owner_id": user_id, "vin": "H" * 17, "created_at": now},
                    )
            except BaseException as error:  # noqa: BLE001 - reported by __exit__
                self.errors.append(error)
                written.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert written.wait(timeout=60), "the half-written pair never began"
        try:
            yield
        finally:
            finish.set()
            thread.join(timeout=60)

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        assert not self.errors, self.errors


def assert_consistent(connection, committed_before: int, committed_after: int) -> None:
    """Every owner has their car, each writer's rows are a gap-free prefix, counts in range."""
    users = (
        connection.execute(text("SELECT email FROM users WHERE email LIKE 'w%-%'")).scalars().all()
    )
    cars = connection.execute(
        text("SELECT count(*) FROM vehicles WHERE vin LIKE 'W%'")
    ).scalar_one()
    assert len(users) == cars, "an owner without their car: the copy is not one committed state"
    for writer in range(WRITERS):
        numbers = sorted(
            int(email.split("-")[1].split("@")[0])
            for email in users
            if email.startswith(f"w{writer}-")
        )
        assert numbers == list(range(len(numbers))), f"writer {writer} has gaps"
    assert committed_before <= len(users) <= committed_after


def _half_written_pairs(connection) -> tuple[int, int]:
    owners = connection.execute(
        select(db.func.count()).select_from(User).where(User.email == HALF_WRITTEN)
    ).scalar_one()
    cars = connection.execute(
        select(db.func.count()).select_from(Vehicle).where(Vehicle.vin == "H" * 17)
    ).scalar_one()
    return owners, cars


def assert_half_written_pair_only_in(engine, not_in: Path) -> None:
    """The pair left open during the backup committed afterwards, and the copy has none of it."""
    with engine.connect() as connection:
        assert _half_written_pairs(connection) == (1, 1)
    copy = create_engine(f"sqlite:///{not_in}")
    with copy.connect() as connection:
        assert _half_written_pairs(connection) == (0, 0)
    copy.dispose()


@pytest.fixture
def sqlite_only(database):
    if database != "sqlite":
        pytest.skip("SQLite backup")


@pytest.fixture
def postgresql_only(database):
    if database != "postgresql":
        pytest.skip("PostgreSQL backup")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed")


def test_sqlite_backup_while_writers_insert_is_consistent(app, runner, tmp_path, sqlite_only):
    target = tmp_path / "backup.sqlite3"
    with Writers(db.engine) as writers:
        before = writers.committed
        with writers.one_pair_half_written():
            result = runner.invoke(args=["backup", "create", str(target)])
        after = writers.committed
    assert result.exit_code == 0, result.output
    assert_half_written_pair_only_in(db.engine, not_in=target)

    verify = runner.invoke(args=["backup", "verify", str(target)])
    assert verify.exit_code == 0, verify.output
    assert "integrity_check ok" in verify.output and "vehicles" in verify.output
    with create_engine(f"sqlite:///{target}").connect() as connection:
        assert_consistent(connection, before, after)


def test_control_a_plain_file_copy_of_the_live_database_misses_committed_rows(
    app, tmp_path, sqlite_only
):
    """The check above catches a naive backup: WAL mode keeps fresh commits out of the main file."""
    source = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    target = tmp_path / "copied.sqlite3"
    checkpoint = sqlite3.connect(source, isolation_level=None)  # schema into the main file
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    # Every commit from here stays in the WAL: without this, an automatic checkpoint after
    # enough commits (more on a slow machine) could bring the main file up to date.
    event.listen(db.engine, "connect", _without_automatic_checkpoints)
    db.engine.dispose()
    with Writers(db.engine) as writers:
        before = writers.committed
        shutil.copyfile(source, target)
        after = writers.committed
    with (
        create_engine(f"sqlite:///{target}").connect() as connection,
        pytest.raises(AssertionError),
    ):
        assert_consistent(connection, before, after)


def _without_automatic_checkpoints(dbapi_connection, connection_record):
    dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")


def test_verify_rejects_a_damaged_file(app, runner, tmp_path, sqlite_only):
    target = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "create", str(target)]).exit_code == 0
    data = bytearray(target.read_bytes())
    data[100:4096] = os.urandom(3996)
    target.write_bytes(bytes(data))
    result = runner.invoke(args=["backup", "verify", str(target)])
    assert result.exit_code != 0


def test_backup_refuses_to_overwrite_without_force(app, runner, tmp_path, sqlite_only):
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code != 0 and target.read_text() == "keep me"


def test_postgresql_dump_while_writers_insert_restores_consistently(
    app, runner, tmp_path, postgresql_only, worker_id
):
    target = tmp_path / "backup.dump"
    with Writers(db.engine) as writers:
        before = writers.committed
        with writers.one_pair_half_written():
            result = runner.invoke(args=["backup", "create", str(target)])
        after = writers.committed
    assert result.exit_code == 0, result.output
    verify = runner.invoke(args=["backup", "verify", str(target)])
    assert verify.exit_code == 0 and "PostgreSQL dump OK" in verify.output, verify.output

    source = make_url(db.engine.url.render_as_string(hide_password=False))
    restore_name = f"{source.database}_restore"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{restore_name}"'))
    restored = source.set(database=restore_name)
    try:
        subprocess.run(
            [shutil.which("pg_restore"), "--no-owner", "-d", _libpq_url(restored), str(target)],
            check=True,
            capture_output=True,
        )
        engine = create_engine(restored)
        with engine.connect() as connection:
            assert_consistent(connection, before, after)
            assert _half_written_pairs(connection) == (0, 0)
            assert (
                connection.execute(select(db.func.count()).select_from(text("users"))).scalar_one()
                >= before
            )
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)'))
        admin.dispose()
