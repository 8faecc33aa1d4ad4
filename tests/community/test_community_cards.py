"""The community page's sections as written out on the page itself: each open drive's card is
the card the drives page shows, each upcoming event's card says what applies to this owner,
and the wall names the people the ambassadors' wall names, in its order."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from portal import clock
from portal.extensions import db
from portal.referrals.queries import load_tiers
from portal.rewards.queries import ambassador_wall
from tests import factories


def _normalised(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _drive_cards(html: str) -> dict[int, str]:
    """{drive id: its card, whitespace aside}."""
    cards = re.findall(r'<article class="card drive-card">.*?</article>', html, re.S)
    return {int(re.search(r'href="/drives/(\d+)"', card).group(1)): _normalised(card)
            for card in cards}  # fmt: skip


def test_each_open_drive_has_the_card_the_drives_page_shows(
    client, make_drive, pledge, make_owner, make_coordinator
):
    today = factories.today()
    day = timedelta(days=1)
    matched = make_drive(
        name="Coats <script>alert(1)</script>",
        beneficiary_name="<b>Harbour</b> Shelter",
        match_percent=100,
        match_cap=50_00,
    )
    offered = make_drive(
        name="Half matched", match_percent=50, match_cap=1000_00, ends_on=today + day
    )
    one_to_one = make_drive(name="Matched 1:1", match_percent=100, ends_on=today)
    later = make_drive(name="Not yet", starts_on=today + 3 * day, ends_on=today + 9 * day)
    ended = make_drive(name="Past its end", starts_on=today - 9 * day, ends_on=today - 2 * day)
    toys = make_drive(name="Toys", goal_kind="items", goal_amount=300, unit_label="toys")
    coats = make_drive(name="Coats", goal_kind="items", goal_amount=3, unit_label="coats")
    beyond = make_drive(name="Beyond its goal", goal_amount=50_00)
    closed = make_drive(name="Finished drive", status="closed")
    pledge(matched, make_owner(), 120_00, received_by=make_coordinator())
    pledge(offered, make_owner(), 77_25)
    pledge(coats, make_owner(), 1)
    pledge(beyond, make_owner(), 80_00)

    page = client.get("/community").get_data(as_text=True)
    on_community = _drive_cards(page)
    on_drives_page = _drive_cards(client.get("/drives/").get_data(as_text=True))
    open_drives = [matched, offered, one_to_one, later, ended, toys, coats, beyond]
    assert list(on_community) == [
        d.id for d in sorted(open_drives, key=lambda d: (d.ends_on, d.id))
    ]
    for drive in open_drives:
        assert on_community[drive.id] == on_drives_page[drive.id], drive.name
    assert closed.id in on_drives_page and "Finished drive" not in page

    cards = {drive.name: on_community[drive.id] for drive in open_drives}
    first = cards[matched.name]
    assert "Coats &lt;script&gt;alert(1)&lt;/script&gt;" in first and "<script>alert" not in page
    assert "For &lt;b&gt;Harbour&lt;/b&gt; Shelter" in first
    assert 'data-received="17000" data-committed="17000"' in first
    assert "Includes $50 matched by" in first and "(up to $50)." in first
    assert "Includes $38.62 matched by" in cards["Half matched"]
    assert "(up to $1,000)." in cards["Half matched"]
    assert "1 day left" in cards["Half matched"]
    assert "matches owners' pledges 1:1." in cards["Matched 1:1"]
    assert "Last day today" in cards["Matched 1:1"]
    assert "Starts <time" in cards["Not yet"] and "Ended <time" in cards["Past its end"]
    assert "0 toys received" in cards["Toys"] and "1 coat pledged, still to come" in cards["Coats"]
    assert 'width="100.0"' in cards["Beyond its goal"] and "· 160%" in cards["Beyond its goal"]
    assert "10 days left" in cards["Toys"]


def test_no_open_drive_says_so(client, make_drive):
    make_drive(name="Only a draft", status="draft")
    page = client.get("/community").get_data(as_text=True)
    assert "No drive is running right now. The next one will appear here." in page
    assert 'class="card drive-card"' not in page


def test_event_cards_say_what_applies_to_this_owner(
    client, login, make_owner, make_vehicle, make_event, rsvp_as
):
    owner = make_owner()
    make_vehicle(owner, make="Mazda", model="CX-5")
    for_my_car = make_event(title="Mazda <script>alert(1)</script> clinic", days=9,
                            target_make="mazda")  # fmt: skip
    full = make_event(title="Launch night", days=3, capacity=1)
    plain = make_event(title="Coffee meet", days=5, location="Dock <b>7</b>")
    rsvp_as(owner, for_my_car)
    rsvp_as(make_owner(), full)
    rsvp_as(owner, full)
    login(owner)
    page = client.get("/community").get_data(as_text=True)
    cards = re.findall(r'<article class="card event-card.*?</article>', page, re.S)
    assert [re.search(r'href="/events/(\d+)"', c).group(1) for c in cards] == [
        str(for_my_car.id),
        str(full.id),
        str(plain.id),
    ]  # events for the owner's car first, then soonest first
    mine, waiting, other = cards
    assert mine.startswith('<article class="card event-card is-for-my-car"')
    assert "Mazda &lt;script&gt;alert(1)&lt;/script&gt; clinic" in mine
    assert "<script>alert" not in page
    assert "For your car" in mine and "You're going" in mine
    assert "On the waitlist" in waiting and "For your car" not in waiting
    assert 'class="event-tags"' not in other and "Dock &lt;b&gt;7&lt;/b&gt;" in other
    starts = plain.starts_at.astimezone(ZoneInfo(factories.TZ))
    assert f'<span class="event-day"><time datetime="{starts:%Y-%m-%d}">{starts.day}</time>' in (
        other
    )
    assert f"{starts:%a %-d %b, %-I:%M %p %Z}</time> · Dock" in other


def test_the_wall_shows_the_top_of_the_ambassadors_wall(client, app, make_owner):
    for number in range(13):
        make_owner(name=f"Person{number:02d} Smith", tier_level=1 + number % 3,
                   consent_recognition=True)  # fmt: skip
    make_owner(name="<script>alert(1)</script> Jones", tier_level=3, consent_recognition=True)
    page = client.get("/community").get_data(as_text=True)
    shown = re.findall(
        r'<span class="ambassador-name">([^<]*)</span> (<span class="tier-badge.*?)</li>', page
    )
    wall = ambassador_wall(db.session, load_tiers(db.session))
    assert [name for name, _ in shown] == [
        person.name.replace("<", "&lt;").replace(">", "&gt;") for person in wall[:12]
    ]
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; J." in page
    for (_, badge), person in zip(shown, wall, strict=False):
        assert f'class="tier-badge tier-{person.level}"' in badge and person.tier in badge
    assert "See everyone on the wall" in page


def test_a_short_wall_links_to_the_wall_and_an_empty_one_says_so(client, make_owner):
    assert "Our first ambassadors will appear here soon." in client.get("/community").get_data(
        as_text=True
    )
    make_owner(name="Priya Patel", tier_level=2, consent_recognition=True)
    page = client.get("/community").get_data(as_text=True)
    assert ">The ambassadors' wall</a>" in page and "See everyone" not in page
    assert "Priya P." in page and "Our first ambassadors" not in page


def test_the_fragment_is_the_pages_announcements_section(
    client, login, make_owner, make_vehicle, make_announcement
):
    owner = make_owner()
    make_vehicle(owner, make="Mazda", model="CX-5")
    for number in range(12):
        make_announcement(
            f"Note <script>{number}</script>",
            audience=("everyone", "owners", "make")[number % 3],
            make="Mazda" if number % 3 == 2 else None,
            model="CX-5" if number % 6 == 2 else None,
            pinned=number == 4,
            published_at=clock.now() - timedelta(days=number),
        )
    login(owner)
    for path in ("/community", "/community?page=2"):
        page = client.get(path).get_data(as_text=True)
        fragment = client.get(path, headers={"HX-Request": "true"}).get_data(as_text=True)
        section = re.search(r'<section id="announcements".*?</section>', page, re.S).group(0)
        assert _normalised(fragment) == _normalised(section)
    first = client.get("/community").get_data(as_text=True)
    assert "<script>0" not in first and "Note &lt;script&gt;0&lt;/script&gt;" in first
    assert '<span class="tag">For Mazda CX-5 owners</span>' in first
    assert '<span class="tag">For Mazda owners</span>' in first
    assert '<span class="tag">For owners</span>' in first
    assert first.index('<span class="tag tag-warn">Pinned</span>') < first.index(
        "Note &lt;script&gt;0"
    )
    assert 'class="card announcement announcement-pinned" aria-labelledby="announcement-' in first


def test_a_visitors_page_and_the_fragment_run_a_fixed_number_of_statements(
    client, login, make_owner, make_drive, make_event, make_announcement, count_queries
):
    make_drive(name="Coats for Kids")
    make_event(title="Open day")
    make_owner(name="Priya Patel", tier_level=2, consent_recognition=True)
    for number in range(12):
        make_announcement(f"Note {number}")
    client.get("/community")
    with count_queries() as page:
        assert client.get("/community").status_code == 200
    # The settings; announcements, events, open drives with their totals and the wall read
    # together.
    assert len(page) == 2, page
    assert "".join(page).count(") AS json_rows") == 4
    login(make_owner())
    with count_queries() as fragment:
        html = client.get("/community?page=2", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
    # The owner with their unread count and the settings, the announcements: no section is read.
    assert len(fragment) == 2, fragment
    assert "Note 0" in html and "Coming up" not in html
