"""Run `flask notify run` in a fresh process; with --naive, with a check-then-send claim.

The naive mode exists only for the control test: it shows the overlap test catches a
dispatcher that selects unsent messages without claiming them.
"""

import sys
import time

from sqlalchemy import select

from portal import create_app
from portal.notifications import services
from portal.notifications.models import DeliveryStatus, Notification


def naive_claim(session, now, limit, only_ids, *after):
    """Select pending messages without marking them taken, then linger (the classic race)."""
    if getattr(naive_claim, "used", False):
        return []
    naive_claim.used = True
    ids = list(
        session.scalars(
            select(Notification.id).where(Notification.status == DeliveryStatus.PENDING)
        )
    )
    session.commit()
    time.sleep(3)
    return ids


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--naive"]
    if "--naive" in sys.argv:
        services._claim_batch = naive_claim
    app = create_app()
    result = app.test_cli_runner().invoke(args=["notify", "run", *arguments])
    print(result.output)
    sys.exit(result.exit_code)
