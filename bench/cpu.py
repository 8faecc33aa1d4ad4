"""CPU per request of each page of `bench/pages.py`, in-process, against the bare page.

    .venv/bin/python bench/cpu.py                   # the dataset bench/pages.py built last
    .venv/bin/python bench/cpu.py --profile /events # where one page's time goes (cProfile)

`bench/pages.py` measures throughput under gunicorn, which a busy machine disturbs. This
measures what throughput on an idle machine is made of: the process CPU time one request of
each page costs (Flask's test client, no network, no other process), the median of many, and
the same for the reference page. CPU time barely moves when other programs share the cores, so
a change can be judged while the machine is busy; `bench/pages.py` still has the last word.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench import pages, pages_data, reference_app  # noqa: E402
from portal import create_app  # noqa: E402

#: Turns of (reference, page) per page; the medians of each are compared.
TURNS = 3


def cpu_per_request(client, path: str, rounds: int) -> float:
    """Median CPU milliseconds of one GET, after two warm-up requests."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path  # noqa: S101 - a benchmark's check
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        client.get(path)
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def signed_in_client(app, email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = pages.re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "email": email, "password": pages_data.BENCH_PASSWORD}
    assert client.post("/login", data=form).status_code == 303, email  # noqa: S101
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-dir", default=str(PROJECT / "instance" / "bench"))
    parser.add_argument("--postgres", help="the PostgreSQL URL bench/pages.py was given")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--only", help="measure only pages whose label contains this")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--profile", help="profile this path (as the page's role) instead")
    arguments = parser.parse_args()
    arguments.reuse = True
    portal_url, reference_url = pages.database_urls(arguments)
    app = create_app(pages.server_config(portal_url))
    dataset = pages_data.describe(app)
    emails = {"owner": dataset.owner_email, **pages_data.STAFF}
    page_list = [p for p in pages.pages(dataset) if not arguments.only or arguments.only in p.label]
    clients = {"visitor": app.test_client()}
    clients.update({role: signed_in_client(app, email) for role, email in emails.items()})

    if arguments.profile:
        wanted = arguments.profile
        page = next(p for p in page_list if wanted in (p.path, p.label))
        client = clients[page.role]
        cpu_per_request(client, page.path, 5)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(arguments.rounds):
            client.get(page.path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(arguments.sort).print_stats(45)
        return

    reference = reference_app.create_app(reference_url).test_client()
    # The machine's speed drifts by a third within minutes: each page is measured in turns
    # with the reference page, and its ratio is to the reference measured alongside it.
    print(f"{'page':<24} {'role':<8} {'CPU ms':>7} {'ref ms':>7} {'ratio':>6}")
    for page in page_list:
        page_ms, reference_ms = [], []
        for _ in range(TURNS):
            reference_ms.append(cpu_per_request(reference, "/", arguments.rounds))
            page_ms.append(cpu_per_request(clients[page.role], page.path, arguments.rounds))
        ms, ref = statistics.median(page_ms), statistics.median(reference_ms)
        row = f"{page.label:<24} {page.role:<8} {ms:>7.2f} {ref:>7.2f} {ref / ms:>6.2f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
