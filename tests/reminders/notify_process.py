"""Run `flask notify run` in a fresh process; with --naive DIR, with a check-then-send claim.

The naive mode exists only for the control test: it shows the overlap test catches a
dispatcher that selects unsent messages without claiming them. The runs started with the
same DIR meet there after reading the unsent messages, so each has read them before
either sends: the race happens on every run, however the processes are scheduled.
"""

import os
import sys
import time
from pathlib import Path

from sqlalchemy import select

from portal import create_app
from portal.notifications import services
from portal.notifications.models import DeliveryStatus, Notification

RUNS = 2
TIMEOUT_SECONDS = 60


def meet_the_other_run(folder: Path) -> None:
    """Leave a mark in `folder` and wait until every run has left one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while len(list(folder.iterdir())) < RUNS:
        if time.monotonic() > deadline:
            sys.exit(f"the other run never read the unsent messages ({TIMEOUT_SECONDS} s)")
        time.sleep(0.01)


def naive_claim(folder: Path):
    """Select pending messages without marking them taken (the classic race)."""

    def claim(session, now, limit, only_ids, after_id, *route):
        if getattr(claim, "used", False):
            return after_id, []
        claim.used = True
        ids = list(
            session.scalars(
                select(Notification.id).where(Notification.status == DeliveryStatus.PENDING)
            )
        )
        session.commit()  # hold no lock while the other run reads
        meet_the_other_run(folder)
        return (ids[-1] if ids else after_id), ids

    return claim


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if "--naive" in arguments:
        at = arguments.index("--naive")
        services._claim_batch = naive_claim(Path(arguments[at + 1]))
        del arguments[at : at + 2]
    app = create_app()
    result = app.test_cli_runner().invoke(args=["notify", "run", *arguments])
    print(result.output)
    sys.exit(result.exit_code)
