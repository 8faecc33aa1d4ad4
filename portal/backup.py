"""`flask backup create PATH` and `flask backup verify PATH`: consistent copies of the database.

SQLite is copied with the online backup API (never by copying the live file), which gives a
snapshot of one committed state while other connections keep writing. PostgreSQL is dumped
with `pg_dump`, which reads one snapshot as well.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import make_url

from portal.extensions import db

backup_cli = AppGroup("backup", help="Create and verify database backups.")

PG_DUMP_MAGIC = b"PGDMP"


def _database_url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump understands it (no "+psycopg" driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database in one step of the online backup API: one consistent state."""
    source_db = sqlite3.connect(source, timeout=30)
    target_db = sqlite3.connect(target)
    try:
        # pages=-1 copies everything in one step under one read transaction, so writers in
        # WAL mode carry on and the copy is the database as of that transaction's start.
        source_db.backup(target_db, pages=-1)
    finally:
        target_db.close()
        source_db.close()


def backup_postgresql(url, target: Path) -> None:
    """pg_dump in its custom format (restore with pg_restore); raises on failure."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise click.ClickException("pg_dump is not installed on this host.")
    subprocess.run(  # noqa: S603 - fixed program, arguments from our own configuration
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)],
        check=True,
        capture_output=True,
        text=True,
    )


def create_backup(target: Path) -> str:
    """Write a backup of the configured database to `target`; returns which kind it is."""
    url = _database_url()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            backup_sqlite(Path(url.database), partial)
            kind = "sqlite"
        elif url.get_backend_name() == "postgresql":
            backup_postgresql(url, partial)
            kind = "postgresql"
        else:
            raise click.ClickException(f"Backups of {url.get_backend_name()} are not supported.")
        os.replace(partial, target)  # never leave a half-written file under the real name
    finally:
        partial.unlink(missing_ok=True)
    return kind


def verify_sqlite(path: Path) -> tuple[bool, list[str], dict[str, int]]:
    """PRAGMA integrity_check and the row count of every table."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            # Table names come from sqlite_master, quoted as identifiers.
            table: connection.execute(
                'SELECT count(*) FROM "{}"'.format(table.replace('"', '""'))  # noqa: S608
            ).fetchone()[0]
            for table in tables
        }
    finally:
        connection.close()
    return problems == ["ok"], problems, counts


def verify_pg_dump(path: Path) -> tuple[bool, str]:
    """`pg_restore --list` reads the whole table of contents of a custom-format dump."""
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise click.ClickException("pg_restore is not installed on this host.")
    result = subprocess.run(  # noqa: S603 - fixed program; the path is the operator's argument
        [pg_restore, "--list", str(path)], capture_output=True, text=True, check=False
    )
    return result.returncode == 0, result.stderr.strip() or result.stdout


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def create_command(path: Path, force: bool) -> None:
    """Write a consistent backup of the database to PATH while the portal keeps running."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; choose a new name or pass --force.")
    try:
        kind = create_backup(path)
    except subprocess.CalledProcessError as error:
        raise click.ClickException(f"pg_dump failed: {error.stderr.strip()}") from error
    click.echo(f"Backup written to {path} ({kind}, {path.stat().st_size:,} bytes).")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(path: Path) -> None:
    """Check a backup: SQLite integrity and row counts, or a readable pg_dump archive."""
    with path.open("rb") as handle:
        magic = handle.read(16)
    if magic.startswith(PG_DUMP_MAGIC):
        ok, detail = verify_pg_dump(path)
        if not ok:
            raise click.ClickException(f"pg_restore cannot read {path}: {detail}")
        entries = sum(1 for line in detail.splitlines() if line and not line.startswith(";"))
        click.echo(f"{path}: PostgreSQL dump OK ({entries} entries).")
        return
    if not magic.startswith(b"SQLite format 3"):
        raise click.ClickException(f"{path} is neither a SQLite database nor a pg_dump archive.")
    try:
        ok, problems, counts = verify_sqlite(path)
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} cannot be read as SQLite: {error}") from error
    for table, count in counts.items():
        click.echo(f"{table:32} {count:>10,}")
    if not ok:
        raise click.ClickException("integrity_check failed: " + "; ".join(problems[:20]))
    click.echo(f"{path}: integrity_check ok, {len(counts)} tables.")
