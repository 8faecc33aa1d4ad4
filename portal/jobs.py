"""Scheduled jobs: `flask notify run` queues what became due in every domain, then sends."""

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from portal import clock
from portal.dealership.queries import weekly_message_limit
from portal.events.services.messages import queue_event_reminders
from portal.extensions import db
from portal.feedback.services import queue_surveys
from portal.notifications.budget import queue_digests
from portal.notifications.dispatch import dispatch
from portal.reminders.cli import as_of_option, day_asked
from portal.reminders.services import queue_due_notifications
from portal.security import public_url
from portal.servicelane.messages import queue_booking_reminders

notify_cli = AppGroup("notify", help="Owner notifications.")


def _event_path(event_id: int) -> str:
    return url_for("events.show", event_id=event_id)


def _survey_links(token: str) -> tuple[str, str]:
    return public_url("feedback.answer_link", token=token), url_for(
        "feedback.answer_link", token=token
    )


@notify_cli.command("run")
@as_of_option("The date reminders are computed for (default: today at the dealership).")
def run(as_of) -> None:
    """Queue one message per newly due reminder (a car's, or an event's the day before) and
    one "How did it go?" per dealership visit the day after, then send every pending or
    failed message.

    Each owner hears from us by email or text at most the dealership's weekly limit: the
    rest waits, in the inbox, for one digest, gathered here once their week has room (before
    anything new, so the oldest news goes first). Safe to run on several hosts at once and
    to re-run: each message is claimed under a unique key before it is sent, and a failed
    send is retried on the next run.
    """
    today = day_asked(as_of)
    now = clock.now()
    limit = weekly_message_limit(db.session)
    digests = queue_digests(db.session, now, limit)
    queued = queue_due_notifications(db.session, today, now)
    queued += queue_booking_reminders(db.session, today, now)
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        queued += queue_event_reminders(db.session, today=today, now=now, event_path=_event_path)
        queued += queue_surveys(db.session, today, now, _survey_links)
    db.session.commit()
    report = dispatch(weekly_limit=limit)
    click.echo(
        f"{len(queued)} new messages and {len(digests)} digests as of {today.isoformat()}; "
        f"sent {report.sent}, failed {report.failed}."
    )
    if report.failed:
        click.echo("Failed messages stay queued and are retried on the next run.", err=True)
