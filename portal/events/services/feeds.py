"""The owner's personal calendar feed: made when first asked for, given a new address after,
with or without their reminders."""

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.errors import ServiceError
from portal.events.models import CalendarFeed
from portal.events.queries import feed_for
from portal.events.tokens import CALENDAR, fresh_token


def rotate_feed(session: Session, user: User, secret_key: str) -> bool:
    """Create the owner's feed, or give it a new address (the old one stops); True when new."""
    feed = feed_for(session, user)
    nonce, token_hash = fresh_token(secret_key, CALENDAR)
    if feed is None:
        session.add(CalendarFeed(user_id=user.id, nonce=nonce, token_hash=token_hash))
        return True
    feed.nonce, feed.token_hash = nonce, token_hash
    return False


def show_reminders(session: Session, user: User, shown: bool) -> bool:
    """Put the owner's reminders in their feed, or take them out; True when it changed."""
    feed = feed_for(session, user)
    if feed is None:
        raise ServiceError("Create your calendar link first.")
    changed = feed.include_reminders != shown
    feed.include_reminders = shown
    return changed
