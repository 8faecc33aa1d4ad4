"""Instructions one request of each page of `bench/pages.py` executes, against the bare page.

    .venv/bin/python bench/instructions.py                  # the dataset pages.py built last
    .venv/bin/python bench/instructions.py --only /community
    .venv/bin/python bench/instructions.py --postgres postgresql://postgres@127.0.0.1:5432/bench

Throughput and even CPU time move with whatever else the machine runs; the number of
instructions a request executes does not. Each page (and the bare page) is served in a
process of its own under valgrind's callgrind, with Flask's test client: the app is built,
signed in and warmed up uninstrumented, then instrumentation is switched on
(`callgrind_control`) for `--requests` requests only. The same code on the same data gives
the same count within about 1%, whether or not the machine is busy, so a change of a few
percent can be judged here before `bench/pages.py` (which has the last word) is run on a
quiet machine. A run takes about ten seconds a page, two at a time. Needs valgrind
(`apt-get install valgrind`).
"""

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench import cpu, pages, pages_data, reference_app  # noqa: E402
from portal import create_app  # noqa: E402

REFERENCE = "bare page"
#: Requests before instrumentation starts: caches filled as in a running worker.
WARM_UP = 10


def _serve_one(arguments) -> None:
    """In the child, under callgrind: warm up, then count `--requests` requests of one page."""
    portal_url, reference_url = pages.database_urls(arguments)
    if arguments.child == REFERENCE:
        client, path = reference_app.create_app(reference_url).test_client(), "/"
    else:
        app = create_app(pages.server_config(portal_url))
        dataset = pages_data.describe(app)
        page = next(p for p in pages.pages(dataset) if p.label == arguments.child)
        emails = {"owner": dataset.owner_email, **pages_data.STAFF}
        client = (
            app.test_client()
            if page.role == "visitor"
            else cpu.signed_in_client(app, emails[page.role])
        )
        path = page.path
    for _ in range(WARM_UP):
        assert client.get(path).status_code == 200, path  # noqa: S101 - a benchmark's check
    # As the served app does (`wsgi.py`): what start-up made is left out of collections.
    gc.collect()
    gc.freeze()
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    for _ in range(arguments.requests):
        client.get(path)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


def count(label: str, arguments, folder: Path) -> int:
    """Instructions per request of the page labelled `label` (or the bare page)."""
    out = folder / (re.sub(r"\W+", "_", label) + ".callgrind")
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        label,
        "--requests",
        str(arguments.requests),
        "--sqlite-dir",
        arguments.sqlite_dir,
    ]
    if arguments.postgres:
        command += ["--postgres", arguments.postgres]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    totals = re.search(r"^totals: (\d+)", out.read_text(), re.M) if out.exists() else None
    if done.returncode != 0 or totals is None:
        raise RuntimeError(f"{label}: callgrind run failed\n{done.stderr[-2000:]}")
    return int(totals.group(1)) // arguments.requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-dir", default=str(PROJECT / "instance" / "bench"))
    parser.add_argument("--postgres", help="the PostgreSQL URL bench/pages.py was given")
    parser.add_argument("--requests", type=int, default=20, help="requests counted per page")
    parser.add_argument("--only", help="measure only pages whose label contains this")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    arguments.reuse = True
    if arguments.child:
        _serve_one(arguments)
        return
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed (apt-get install valgrind)")

    portal_url, _ = pages.database_urls(arguments)
    dataset = pages_data.describe(create_app(pages.server_config(portal_url)))
    labels = [
        p.label for p in pages.pages(dataset) if not arguments.only or arguments.only in p.label
    ]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(2) as pool:
        # Two at a time, one per core: a count does not depend on what else runs.
        counts = dict(
            zip(
                [REFERENCE, *labels],
                pool.map(lambda label: count(label, arguments, Path(folder)), [REFERENCE, *labels]),
                strict=True,
            )
        )
    reference = counts.pop(REFERENCE)
    print(f"{'page':<24} {'instructions':>13} {'ratio':>6}   ({REFERENCE}: {reference:,})")
    for label, instructions in counts.items():
        print(f"{label:<24} {instructions:>13,} {reference / instructions:>6.2f}")


if __name__ == "__main__":
    main()
