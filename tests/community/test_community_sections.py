"""The community page's sections from other domains: upcoming events, the ambassadors' wall."""

from datetime import timedelta

from portal import clock
from portal.events.models import Audience, EventStatus


def test_visitors_see_the_next_public_events_only(client, make_event):
    make_event(title="Open day clinic", audience=Audience.PUBLIC)
    make_event(title="Owners' night", audience=Audience.OWNERS)
    make_event(title="Ambassadors' dinner", audience=Audience.AMBASSADORS)
    make_event(title="Draft launch", audience=Audience.PUBLIC, status=EventStatus.DRAFT)
    page = client.get("/community").get_data(as_text=True)
    assert "Coming up" in page and "Open day clinic" in page
    for hidden in ("Owners&#39; night", "Ambassadors&#39; dinner", "Draft launch"):
        assert hidden not in page


def test_owners_see_the_next_four_events_they_may_attend(client, login, make_owner, make_event):
    for days in (40, 5, 20, 10, 30, 2):
        make_event(title=f"In {days} days", starts_at=clock.now() + timedelta(days=days))
    make_event(title="Finished", starts_at=clock.now() - timedelta(days=3))
    login(make_owner())
    page = client.get("/community").get_data(as_text=True)
    shown = [f"In {days} days" for days in (2, 5, 10, 20) if f"In {days} days<" in page]
    assert shown == ["In 2 days", "In 5 days", "In 10 days", "In 20 days"]
    assert "In 30 days" not in page and "Finished" not in page


def test_no_events_says_so_kindly(client):
    assert "No events are scheduled just now" in client.get("/community").get_data(as_text=True)


def test_the_wall_names_only_ambassadors_who_opted_in(client, make_owner, make_user):
    make_owner(name="Priya Patel", tier_level=2, consent_recognition=True)
    make_owner(name="Quiet Quentin", tier_level=3, consent_recognition=False)
    make_owner(name="Member Mo", tier_level=0, consent_recognition=True)
    make_owner(name="Gone Gwen", tier_level=2, consent_recognition=True,
               deactivated_at=clock.now())  # fmt: skip
    make_user(role="coordinator", name="Staff Sam", tier_level=2, consent_recognition=True)
    page = client.get("/community").get_data(as_text=True)
    assert "Thank you, ambassadors" in page and "Priya P." in page
    for hidden in ("Quiet", "Member Mo", "Gone", "Staff Sam"):
        assert hidden not in page
    assert "Priya P." in client.get("/ambassadors").get_data(as_text=True)
