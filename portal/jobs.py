"""Scheduled jobs: `flask notify run` queues what became due in every domain, then sends."""

import click
from flask.cli import AppGroup

from portal import clock
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.reminders.cli import as_of_option, day_asked
from portal.reminders.services import queue_due_notifications

notify_cli = AppGroup("notify", help="Owner notifications.")


@notify_cli.command("run")
@as_of_option("The date reminders are computed for (default: today at the dealership).")
def run(as_of) -> None:
    """Queue one message per newly due reminder, then send every pending or failed message.

    Safe to run on several hosts at once and to re-run: each message is claimed under a
    unique key before it is sent, and a failed send is retried on the next run.
    """
    today = day_asked(as_of)
    queued = queue_due_notifications(db.session, today, clock.now())
    db.session.commit()
    report = dispatch()
    click.echo(
        f"{len(queued)} new messages as of {today.isoformat()}; "
        f"sent {report.sent}, failed {report.failed}."
    )
    if report.failed:
        click.echo("Failed messages stay queued and are retried on the next run.", err=True)
