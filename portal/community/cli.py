"""`flask community render-announcements`: store announcements' HTML from the current renderer."""

import click
from flask.cli import AppGroup

from portal.community.services import render_announcements
from portal.extensions import db

community_cli = AppGroup("community", help="Announcements on the community page.")


@community_cli.command("render-announcements")
@click.option("--all", "every", is_flag=True, help="Render every announcement, not only old ones.")
def render(every: bool) -> None:
    """Render again the announcements stored by an older renderer (run after an upgrade).

    Until it runs, the community page renders those announcements on each request, so it
    is always right, only slower.
    """
    count = render_announcements(db.session, every=every)
    db.session.commit()
    click.echo(f"Rendered {count} announcement{'' if count == 1 else 's'} again.")
