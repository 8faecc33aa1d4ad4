"""Benchmark every page of issue 14's table against a bare page of the same stack.

    .venv/bin/python bench/pages.py                    # SQLite, full size (70,000 owners)
    .venv/bin/python bench/pages.py --scale 0.05       # a quick run on a small dataset
    .venv/bin/python bench/pages.py --reuse            # measure the dataset built last time
    .venv/bin/python bench/pages.py --postgres postgresql://postgres@127.0.0.1:5432/bench_pages

Builds the dataset (`bench/pages_data.py`: 70,000 owners, 100,000 cars, 200 events with
18,000 RSVPs, 6,000 referrals, 60,000 points entries, 210,000 notifications, 3,000 pledges,
120 announcements; seeded, so the same every time) and the reference database (10,000
owners, 30,000 cars), starts the portal and the reference page (`bench/reference_app.py`)
under gunicorn with 2 workers on loopback, signs in one session per role, then for each page
runs `wrk -t2 -c16 -d8s` on the reference page and right after on the page, three rounds in
turn (a small Python load generator stands in when wrk is missing). It prints the medians of
the rounds' requests per second, p50 and p99, the median of each round's ratio to the
reference run just before it with their spread, and the statements one request of the page
runs.
Rate limits are off in the servers it starts (16 connections from one address would trip
them). It stops its servers when done, interrupted or failing.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from sqlalchemy import event, make_url

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench import loadgen, pages_data, reference_app  # noqa: E402
from portal import create_app  # noqa: E402
from portal.config import normalise_database_url  # noqa: E402
from portal.extensions import db  # noqa: E402

SECRET_KEY = "bench-secret-key-for-loopback-only"  # noqa: S105 - a throwaway server's key
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
CONNECTIONS, THREADS = 16, 2


@dataclass(frozen=True)
class Page:
    """One row of the issue's table: who asks for which path."""

    label: str
    role: str  # visitor, owner, coordinator or admin
    path: str


def pages(dataset: pages_data.Dataset) -> list[Page]:
    """The issue's table, in its order."""
    return [
        Page("/admin/owners", "admin", "/admin/owners"),
        Page("/i/<code> (logged out)", "visitor", f"/i/{dataset.invite_code}"),
        Page("/community", "owner", "/community"),
        Page("/admin/events/<id>", "admin", f"/admin/events/{dataset.busiest_event_id}"),
        Page("/admin/", "admin", "/admin/"),
        Page("/admin/referrals", "admin", "/admin/referrals"),
        Page("owner /", "owner", "/"),
        Page("/events", "owner", "/events"),
        Page("/reminders", "owner", "/reminders"),
        Page("/rewards", "owner", "/rewards"),
        Page("/events/<id>", "owner", f"/events/{dataset.upcoming_event_id}"),
        Page("/inbox", "owner", "/inbox"),
        Page("/garage", "owner", "/garage"),
        Page("calendar feed", "visitor", f"/calendar/{dataset.feed_token}.ics"),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_path: str, chdir: Path, env: dict):
    """Serve `app_path` with 2 sync workers on a loopback port; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app_path],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, email: str) -> str:
    """Sign in through the real form; returns the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "email": email, "password": pages_data.BENCH_PASSWORD}
    try:
        opener.open(base + "/login", urllib.parse.urlencode(form).encode())
    except urllib.error.HTTPError as error:
        if error.code != 303:
            raise
        landing = urllib.parse.urljoin(base, error.headers["Location"])
    # The page after signing in shows "Welcome back" once and takes it out of the cookie.
    # The cookie measured is the one a person holds from then on: one still carrying the
    # message would show it on every page and have its cookie signed afresh each time.
    while landing:
        try:
            opener.open(landing).close()
            landing = None
        except urllib.error.HTTPError as error:
            if error.code not in (301, 302, 303, 307, 308):
                raise
            landing = urllib.parse.urljoin(landing, error.headers["Location"])
    return next(cookie.value for cookie in jar if cookie.name == "session")


def status_of(url: str, cookie: str | None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"session={cookie}"} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def statement_counts(url: str, cookies: dict, page_list: list[Page]) -> dict[str, int]:
    """Statements one request of each page runs (BEGIN and PRAGMA not counted), in-process."""
    app = create_app(server_config(url))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT")):
            statements.append(statement)

    counts = {}
    event.listen(engine, "before_cursor_execute", record)
    # No app context around the requests: each gets its own, as under gunicorn.
    for page in page_list:
        client = app.test_client()
        if cookies.get(page.role):
            client.set_cookie("session", cookies[page.role])
        client.get(page.path)  # warm caches the way a running worker has them
        statements.clear()
        status = client.get(page.path).status_code
        if status != 200:
            raise RuntimeError(f"{page.path} answered {status} in-process")
        counts[page.label] = len(statements)
    event.remove(engine, "before_cursor_execute", record)
    engine.dispose()
    return counts


def server_config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "file",
    }


def server_env(url: str, instance: Path) -> dict:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false",
        "MAIL_BACKEND": "file",
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_ENV": "development",
    }


def measure(url: str, cookie: str | None, seconds: int) -> loadgen.Result:
    """Drive one URL with 16 connections: wrk when installed, the Python generator otherwise."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    if shutil.which("wrk"):
        return loadgen.wrk(url, headers, THREADS, CONNECTIONS, seconds)
    return loadgen.python_load(url, headers, CONNECTIONS, seconds)


def summary(page: Page, pairs: list[tuple[loadgen.Result, loadgen.Result]], statements: int):
    """One line of the table from a page's rounds, each a run of the bare page, then the page.

    Figures are medians over the rounds: a machine that slows down for a few seconds (a
    neighbour on the same host) spoils one round, not the line. The ratio is the median of
    each round's own ratio, and the spread of those ratios is printed so a noisy run shows.
    """
    ratios = sorted(run.rps / ref.rps for ref, run in pairs)
    refs, runs = [ref for ref, _ in pairs], [run for _, run in pairs]
    errors = sum(run.errors for run in runs)
    spread = f"{ratios[0]:.2f}-{ratios[-1]:.2f}" if len(ratios) > 1 else ""
    return (
        f"{page.label:<24} {page.role:<8} {median(r.rps for r in runs):>7.1f} "
        f"{median(r.p50_ms for r in runs):>8.1f} {median(r.p99_ms for r in runs):>8.1f} "
        f"{median(r.rps for r in refs):>8.1f} {median(r.p99_ms for r in refs):>8.1f} "
        f"{median(ratios):>6.2f} {spread:>9} {statements:>6}  "
        f"{f'{errors} errors' if errors else ''}"
    )


def database_urls(arguments) -> tuple[str, str]:
    """(portal URL, reference URL) for SQLite files or two PostgreSQL databases.

    On PostgreSQL the portal's data goes in the database the URL names (its tables are dropped
    and made afresh) and the reference page's in one named after it with `_reference`, made
    here when missing: each engineer's own database, so runs side by side never meet.
    """
    if not arguments.postgres:
        folder = Path(arguments.sqlite_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return (
            f"sqlite:///{folder / 'pages_bench.sqlite3'}",
            f"sqlite:///{folder / 'pages_reference.sqlite3'}",
        )
    base = make_url(normalise_database_url(arguments.postgres))
    if base.database in (None, "", "postgres", "template0", "template1"):
        sys.exit("--postgres needs a database of the benchmark's own, e.g. .../bench_pages")
    reference = base.set(database=f"{base.database}_reference")
    if not arguments.reuse:
        import psycopg

        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{reference.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{reference.database}"')
    return (
        base.render_as_string(hide_password=False),
        reference.render_as_string(hide_password=False),
    )


def build(portal_url: str, reference_url: str, arguments) -> pages_data.Dataset:
    app = create_app(server_config(portal_url))
    if arguments.reuse:
        return pages_data.describe(app)
    for url in (portal_url, reference_url):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    started = time.perf_counter()
    dataset = pages_data.build(app, portal_url, arguments.scale, arguments.seed)
    reference_app.build(reference_url)
    print(f"datasets built in {time.perf_counter() - started:.0f} s", flush=True)
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's size")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of the bare page and the page, in turn"
    )
    parser.add_argument("--postgres", help="a database of its own; its tables are replaced")
    parser.add_argument("--sqlite-dir", default=str(PROJECT / "instance" / "bench"))
    parser.add_argument("--reuse", action="store_true", help="measure the last dataset again")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    arguments = parser.parse_args()

    portal_url, reference_url = database_urls(arguments)
    dataset = build(portal_url, reference_url, arguments)
    page_list = [p for p in pages(dataset) if not arguments.only or arguments.only in p.label]
    with ExitStack() as stack:
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        portal = stack.enter_context(
            gunicorn("wsgi:app", PROJECT, server_env(portal_url, instance))
        )
        reference = stack.enter_context(
            gunicorn(
                "reference_app:app", PROJECT / "bench", {"REFERENCE_DATABASE_URL": reference_url}
            )
        )
        emails = {"owner": dataset.owner_email, **pages_data.STAFF}
        cookies = {role: sign_in(portal, email) for role, email in emails.items()}
        counts = statement_counts(portal_url, cookies, page_list)
        measure(reference + "/", None, 2)  # warm both servers' workers
        engine = "PostgreSQL" if arguments.postgres else "SQLite"
        scale = "dataset reused" if arguments.reuse else f"scale {arguments.scale}"
        print(
            f"{engine}, {scale}, gunicorn 2 workers, {THREADS} threads, "
            f"{CONNECTIONS} connections, {arguments.rounds} rounds of {arguments.seconds} s "
            "(bare page, then the page); medians"
        )
        print(
            f"{'page':<24} {'role':<8} {'rps':>7} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'ref rps':>8} {'ref p99':>8} {'ratio':>6} {'spread':>9} {'stmts':>6}  notes"
        )
        for page in page_list:
            cookie = cookies.get(page.role)
            status = status_of(portal + page.path, cookie)
            if status != 200:
                print(f"{page.label:<24} {page.role:<8} answered {status}: not measured")
                continue
            measure(portal + page.path, cookie, 1)
            pairs = []
            for _ in range(arguments.rounds):
                ref = measure(reference + "/", None, arguments.seconds)
                pairs.append((ref, measure(portal + page.path, cookie, arguments.seconds)))
            print(summary(page, pairs, counts[page.label]), flush=True)


if __name__ == "__main__":
    main()
