"""Demo announcements: one pinned for everyone, one for owners, one for a make's owners."""

from datetime import timedelta

from portal import clock
from portal.accounts.demo import DemoData
from portal.community.models import Announcement, Audience, BodyFormat
from portal.community.services import render_announcements
from portal.extensions import db


def seed_announcements(data: DemoData) -> None:
    """Three announcements from the coordinator."""
    now = clock.now()
    author = data.staff[1]
    db.session.add_all(
        [
            Announcement(
                title="Coats for Kids: we're halfway there",
                body=(
                    "Thank you, everyone. The **Coats for Kids** drive passed the halfway mark "
                    "this week, and every dollar you give is matched until we reach $2,500.\n\n"
                    "- Drop coats at the service desk\n- Or pledge online from the drive page\n\n"
                    "> Warmth is the best gift. (A note from the shelter)"
                ),
                body_format=BodyFormat.MARKDOWN,
                pinned=True,
                audience=Audience.EVERYONE,
                published_at=now - timedelta(days=2),
                author_id=author.id,
            ),
            Announcement(
                title="Saturday service hours are back",
                body=(
                    "From next month the workshop is open on Saturdays from 8am to 1pm.\n\n"
                    "Book as usual, or ask at the desk when you drop in."
                ),
                body_format=BodyFormat.TEXT,
                audience=Audience.OWNERS,
                published_at=now - timedelta(days=6),
                author_id=author.id,
            ),
            Announcement(
                title="Winter tyre check for Mazda owners",
                body=(
                    "Our Mazda specialists are running free winter tyre checks in December. "
                    "Ask for *Jordan* at the service desk."
                ),
                body_format=BodyFormat.MARKDOWN,
                audience=Audience.MAKE,
                make="Mazda",
                published_at=now - timedelta(days=9),
                author_id=author.id,
            ),
        ]
    )
    db.session.flush()
    render_announcements(db.session)  # their HTML, stored as saving an announcement does
