"""The community page: announcements by audience, sanitised, pinned first; open drives."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.community import queries
from portal.community.models import Announcement, Audience, BodyFormat
from portal.community.rules import markdown
from portal.extensions import db
from portal.garage.models import Vehicle
from tests.html_checks import assert_no_live_user_markup, parsed_tags

VIN = "1HGCM82633A00435{}"
#: An announcement's date as its card shows it: '24 October 2026'.
DATED = r'<time datetime="\d{4}-\d{2}-\d{2}">\d{1,2} [A-Z][a-z]+ \d{4}</time>'


@pytest.fixture
def announce(make_announcement):
    """`announce(title, audience, **values)`: an announcement whose body names its title."""

    def create(title, audience=Audience.EVERYONE, **values) -> Announcement:
        return make_announcement(title, audience=audience, **({"body": f"About {title}."} | values))

    return create


def _vehicle(owner, make, model, retired=False, n=0):
    db.session.add(
        Vehicle(
            owner_id=owner.id,
            vin=VIN.format(n),
            make=make,
            model=model,
            year=2022,
            retired_at=clock.now() if retired else None,
        )  # fmt: skip
    )
    db.session.commit()


def test_visitors_see_only_announcements_for_everyone(client, announce):
    announce("Open day")
    announce("Owners only", Audience.OWNERS)
    announce("Mazda tyres", Audience.MAKE, make="Mazda")
    page = client.get("/community").get_data(as_text=True)
    assert "Open day" in page
    assert "Owners only" not in page and "Mazda tyres" not in page


def test_owners_see_make_news_only_with_an_active_matching_car(client, login, make_owner, announce):
    announce("Owners only", Audience.OWNERS)
    announce("Mazda tyres", Audience.MAKE, make="Mazda")
    announce("CX-5 recall clinic", Audience.MAKE, make="Mazda", model="CX-5")
    announce("Volvo evening", Audience.MAKE, make="Volvo")
    owner = make_owner()
    _vehicle(owner, "MAZDA", "MX-5", n=1)
    _vehicle(owner, "Volvo", "XC40", retired=True, n=2)  # sold: no longer counts
    login(owner)
    page = client.get("/community").get_data(as_text=True)
    assert "Owners only" in page and "Mazda tyres" in page
    assert "CX-5 recall clinic" not in page
    assert "Volvo evening" not in page


def test_staff_see_every_announcement(client, login, make_user, announce):
    announce("Volvo evening", Audience.MAKE, make="Volvo")
    login(make_user(role="coordinator"))
    assert "Volvo evening" in client.get("/community").get_data(as_text=True)


def test_each_announcement_card_names_its_audience_and_date_with_its_text_escaped(
    client, login, make_user, announce
):
    announce('Tyres <b>"&" more', Audience.MAKE, make="Mazda<i>", model="CX-5 & co", pinned=True)
    announce("For the club", Audience.OWNERS)
    announce("Open day")
    login(make_user(role="coordinator"))
    page = client.get("/community").get_data(as_text=True)

    cards = re.findall(r'<article class="card announcement[^"]*".*?</article>', page, re.S)
    assert len(cards) == 3
    tyres, club, open_day = sorted(
        cards, key=lambda card: ("Tyres" not in card, "club" not in card)
    )
    assert "announcement-pinned" in tyres and "Pinned</span>" in tyres
    assert "Tyres &lt;b&gt;&#34;&amp;&#34; more</h3>" in tyres
    assert "For Mazda&lt;i&gt; CX-5 &amp; co owners</span>" in tyres
    assert "For owners</span>" in club and "Pinned" not in club
    assert "For " not in open_day.split("</h3>", 1)[1].split("<div", 1)[0]
    for card in cards:
        heading = re.search(r'<h3 id="(announcement-\d+)">', card).group(1)
        assert f'aria-labelledby="{heading}"' in card
        assert re.search(DATED, card)


def test_pinned_announcements_come_first(client, announce):
    announce("Older but pinned", pinned=True)
    announce("Newest")
    page = client.get("/community").get_data(as_text=True)
    assert page.index("Older but pinned") < page.index("Newest")


def _announcement_titles(html: str) -> list[str]:
    return re.findall(r'<h3 id="announcement-\d+">([^<]+)</h3>', html)


def test_older_announcements_are_a_page_away_and_none_is_left_out(client, announce):
    per_page = queries.PAGE_SIZE
    made = per_page * 2 + 3
    for n in range(made):
        announce(f"Note {n:03d}", published_at=clock.now() - timedelta(days=made - n))
    announce("Pinned note", pinned=True, published_at=clock.now() - timedelta(days=400))
    first = client.get("/community").get_data(as_text=True)
    newest = [f"Note {n:03d}" for n in range(made - 1, made - per_page, -1)]
    assert _announcement_titles(first) == ["Pinned note", *newest]
    assert 'href="/community?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/community?page=2").get_data(as_text=True)
    assert 'href="/community"' in second and 'rel="next"' in second
    third = client.get("/community?page=3").get_data(as_text=True)
    assert 'rel="next"' not in third
    shown = [t for html in (first, second, third) for t in _announcement_titles(html)]
    assert len(shown) == len(set(shown)) == made + 1
    past = client.get("/community?page=9").get_data(as_text=True)
    assert "There are no older announcements" in past and _announcement_titles(past) == []


def test_htmx_swaps_only_the_announcements_for_another_page(
    client, announce, make_drive, count_queries
):
    make_drive(name="Winter coats")
    for n in range(queries.PAGE_SIZE + 1):
        announce(f"Note {n:03d}", published_at=clock.now() - timedelta(days=n))
    with count_queries() as statements:
        html = client.get("/community?page=2", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
    assert 'id="announcements"' in html
    assert "<html" not in html and "Winter coats" not in html
    assert _announcement_titles(html) == [f"Note {queries.PAGE_SIZE:03d}"]
    assert not [sql for sql in statements if "drives" in sql.lower()]


def test_markdown_is_rendered_and_dangerous_parts_are_removed(client, announce):
    body = (
        "**Bold** and [a link](https://example.com) and [mail](mailto:team@example.com)\n\n"
        "<script>alert(1)</script>\n\n"
        "[click](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)">\n\n'
        '<a href="javascript:alert(2)" onclick="x">raw</a>\n\n'
        '<div hx-get="/logout" hx-trigger="load">x</div>\n\n'
        "![pic](https://example.com/x.png)"
    )
    announce("Markdown", body=body, body_format=BodyFormat.MARKDOWN)
    announce("Plain", body="<script>alert(3)</script>\nline two", body_format=BodyFormat.TEXT)
    page = client.get("/community").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">a link</a>' in page
    assert 'href="mailto:team@example.com"' in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;<br>" in page
    assert_no_live_user_markup(page)
    tags = parsed_tags(page)
    assert not [t for t, _ in tags if t == "img"]
    wrappers = [attrs for tag, attrs in tags if tag == "div" and "prose" in attrs.get("class", "")]
    assert len(wrappers) == 2 and all("hx-disable" in attrs for attrs in wrappers)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "<p onmouseover=alert(1)>x</p>",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_markdown_subset_never_yields_live_markup(source):
    html = str(markdown(source))
    for tag, attrs in parsed_tags(html):
        assert tag in {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code",
                       "pre"}  # fmt: skip
        assert set(attrs) <= {"href", "rel"}
        assert not (attrs.get("href") or "").lower().startswith("javascript")


def test_community_page_shows_open_drives_between_events_and_the_wall(client, make_drive):
    make_drive(name="Coats for Kids")
    make_drive(name="Finished drive", status="closed")
    page = client.get("/community").get_data(as_text=True)
    assert "Coats for Kids" in page
    assert "Finished drive" not in page
    headings = ("announcements", "community-events", "community-drives", "community-wall")
    places = [page.index(f'<h2 id="{heading}-heading">') for heading in headings]
    assert places == sorted(places)


def test_community_page_runs_the_same_queries_for_2_and_30_items(
    client, login, make_owner, make_drive, pledge, announce, count_queries, make_event
):
    owner = make_owner()
    _vehicle(owner, "Mazda", "CX-5", n=3)
    drives = [make_drive(name=f"Drive {n}") for n in range(30)]
    giver = make_owner()
    for n in range(2):
        announce(f"Note {n}", Audience.MAKE if n % 2 else Audience.EVERYONE, make="Mazda")
        pledge(drives[n], giver, 10_00)
        make_event(title=f"Event {n}", target_make="Mazda" if n % 2 else None)
        make_owner(name=f"Ambassador {n}", tier_level=2, consent_recognition=True)
    for drive in drives[2:]:
        drive.status = "draft"
    db.session.commit()
    login(owner)
    with count_queries() as few:
        assert client.get("/community").status_code == 200
    for n in range(2, 30):
        announce(f"Note {n}", Audience.MAKE if n % 2 else Audience.OWNERS, make="Mazda")
        make_event(title=f"Event {n}", target_make="Mazda" if n % 2 else None)
        make_owner(name=f"Ambassador {n}", tier_level=1 + n % 3, consent_recognition=True)
    for drive in drives:
        drive.status = "open"
        pledge(drive, giver, 10_00)
    with count_queries() as many:
        page = client.get("/community").get_data(as_text=True)
    assert page.count('class="card drive-card"') == 30
    assert page.count('class="prose"') == 10  # the page shows the latest 10
    assert page.count("community-event-") == 2 * 4  # the next 4 events (id and aria label)
    assert page.count('class="ambassador-name"') == 12
    assert len(few) == len(many), (few, many)
    # The owner with their unread count and the settings; announcements, events, open drives
    # with their totals and the wall read together.
    assert len(many) == 2, many


def test_admin_posts_edits_and_takes_down_announcements(client, login, make_user):
    login(make_user(role="coordinator"))
    response = client.post(
        "/admin/announcements/new",
        data={
            "title": "Hello",
            "body": "First *post*",
            "body_format": "markdown",
            "audience": "make",
            "make": "",
            "model": "",
        },  # fmt: skip
    )
    assert response.status_code == 422
    assert "Name the make" in response.get_data(as_text=True)
    response = client.post(
        "/admin/announcements/new",
        data={
            "title": "Hello",
            "body": "First *post*",
            "body_format": "markdown",
            "audience": "owners",
            "make": "Mazda",
            "pinned": "y",
        },  # fmt: skip
    )
    assert response.status_code == 303
    saved = db.session.scalar(select(Announcement))
    assert (saved.audience, saved.make, saved.pinned) == ("owners", None, True)
    response = client.post(
        f"/admin/announcements/{saved.id}/edit",
        data={
            "title": "Hello again",
            "body": "Edited",
            "body_format": "text",
            "audience": "everyone",
        },  # fmt: skip
    )
    assert response.status_code == 303
    db.session.refresh(saved)
    assert (saved.title, saved.pinned) == ("Hello again", False)
    assert client.post(f"/admin/announcements/{saved.id}/delete").status_code == 303
    assert db.session.scalar(select(Announcement)) is None
