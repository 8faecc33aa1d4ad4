"""`flask reminders due`: what is due across the whole fleet on a date."""

import json
from datetime import date, datetime

import click
from flask.cli import AppGroup

from portal.dealership.queries import today_at_dealership
from portal.extensions import db
from portal.reminders.queries.pages import due_listing

reminders_cli = AppGroup("reminders", help="Service reminders and personal dates.")


def as_of_option(help_text: str):
    """`--as-of YYYY-MM-DD`, the day a command works out what is due on."""
    return click.option(
        "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help=help_text
    )


def day_asked(as_of: datetime | None) -> date:
    """The `--as-of` day, or today at the dealership."""
    return as_of.date() if as_of else today_at_dealership(db.session)


@reminders_cli.command("due")
@as_of_option("The date to compute for (default: today at the dealership).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--all", "include_upcoming", is_flag=True, help="Include upcoming reminders.")
def due(as_of, as_json: bool, include_upcoming: bool) -> None:
    """Print every overdue and due-soon reminder (and upcoming ones with --all)."""
    today = day_asked(as_of)
    listing = due_listing(db.session, today, include_upcoming=include_upcoming)
    db.session.rollback()
    if as_json:
        click.echo(json.dumps(listing))
        return
    for item in listing:
        click.echo(
            f"{item['due_on']}  {item['status']:<9} {item['kind']:<12} "
            f"{item['owner_email']:<32} {item['vin'] or '-':<17} {item['key']}"
            + ("  (no service on file: asking the owner)" if item["asks_last_service"] else "")
        )
    click.echo(f"{len(listing)} reminders as of {today.isoformat()}.")
