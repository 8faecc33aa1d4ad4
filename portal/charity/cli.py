"""`flask charity recount`: rebuild drives' running totals from their contributions."""

import click
from flask.cli import AppGroup

from portal.charity.tally import recount
from portal.extensions import db

charity_cli = AppGroup("charity", help="Charity drives.")


@charity_cli.command("recount")
def recount_totals() -> None:
    """Rebuild every drive's totals from its contributions and say which were wrong.

    The totals are kept with each contribution, so this finds nothing to fix unless rows
    were changed outside the portal (a hand-written SQL fix, an account deleted in the
    database).
    """
    wrong = recount(db.session)
    db.session.commit()
    if wrong:
        click.echo("Corrected the totals of drives " + ", ".join(map(str, wrong)) + ".")
    else:
        click.echo("Every drive's totals matched its contributions.")
