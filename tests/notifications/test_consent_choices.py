"""Turning one category of message off, and saving an owner's choices, change that owner only."""

import pytest

from portal.extensions import db
from portal.notifications.models import ContactChannel
from portal.notifications.rules import Category
from portal.notifications.services import is_subscribed, unsubscribe

CHOICES = ("consent_service", "consent_event_invites", "birthday_messages", "preferred_channel")


def _choices(owner) -> tuple:
    db.session.refresh(owner)
    return tuple(getattr(owner, name) for name in CHOICES)


@pytest.mark.parametrize(
    "category", [Category.SERVICE, Category.EVENT_INVITES, Category.CELEBRATIONS, Category.EMAIL]
)
def test_unsubscribing_says_whether_it_changed_anything(make_owner, category):
    owner = make_owner(birthday_messages=True)
    other = make_owner(birthday_messages=True)
    before = _choices(other)
    assert is_subscribed(owner, category)
    assert unsubscribe(owner, category) is True
    assert not is_subscribed(owner, category)
    assert unsubscribe(owner, category) is False  # already off: nothing to change
    db.session.commit()
    assert not is_subscribed(owner, category)
    assert _choices(other) == before


def test_unsubscribing_from_email_leaves_an_owner_on_the_inbox_there(make_owner):
    owner = make_owner(preferred_channel=ContactChannel.INBOX)
    assert unsubscribe(owner, Category.EMAIL) is False
    assert owner.preferred_channel == ContactChannel.INBOX
