"""Admin lists that grow: paged, sortable, and a fixed number of statements per page."""

import re

import pytest

from portal.referrals.models import Stage

MANY = 12


@pytest.fixture
def seeders(
    make_owner,
    make_event,
    make_referral,
    make_drive,
    add_contribution,
    make_redemption,
    make_announcement,
    make_visit_request,
    make_notification,
):
    """For each list: (url, add(n) that adds n rows it shows)."""
    drive_holder = {}

    def contributions(n):
        drive = drive_holder.setdefault("drive", make_drive("Big drive"))
        for _ in range(n):
            add_contribution(drive, make_owner())

    def each(factory):
        def add(n):
            for number in range(n):
                factory(number)

        return add

    def for_owner(factory):
        return each(lambda n: factory(make_owner()))

    return {
        "events": ("/admin/events", each(lambda n: make_event(f"Event {n}", days=n + 1))),
        "referrals": (
            "/admin/referrals",
            each(lambda n: make_referral(make_owner(), stage=list(Stage)[n % 5])),
        ),
        "redemptions": ("/admin/rewards/redemptions", for_owner(make_redemption)),
        "drives": ("/admin/charity", each(lambda n: make_drive(f"Drive {n}"))),
        "contributions": (lambda: f"/admin/charity/{drive_holder['drive'].id}", contributions),
        "announcements": ("/admin/announcements", each(lambda n: make_announcement(f"News {n}"))),
        "visit requests": ("/admin/visit-requests", for_owner(make_visit_request)),
        "notification log": ("/admin/notifications", for_owner(make_notification)),
    }


LISTS = [
    "events",
    "referrals",
    "redemptions",
    "drives",
    "contributions",
    "announcements",
    "visit requests",
    "notification log",
]


def _url(entry) -> str:
    url = entry[0]
    return url() if callable(url) else url


def _statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm caches (dealership settings, login) outside the measurement
    with count_queries() as statements:
        response = client.get(url)
        assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("name", LISTS)
def test_list_runs_the_same_statements_for_a_small_or_large_page(
    client, as_admin, count_queries, seeders, name
):
    url, add = seeders[name]
    add(2)
    few_rows = _statements(client, count_queries, _url(seeders[name]))
    add(MANY)
    separator = "&" if "?" in _url(seeders[name]) else "?"
    small_page = _statements(client, count_queries, f"{_url(seeders[name])}{separator}per_page=5")
    large_page = _statements(client, count_queries, f"{_url(seeders[name])}{separator}per_page=100")
    assert few_rows == small_page == large_page


@pytest.mark.parametrize("name", LISTS)
def test_list_pages_through_its_rows(client, as_admin, seeders, name):
    _, add = seeders[name]
    add(MANY)
    url = _url(seeders[name])

    first = client.get(f"{url}?per_page=5").get_data(as_text=True)
    last = client.get(f"{url}?per_page=5&page=3").get_data(as_text=True)

    assert "Page 1 of 3" in first and 'rel="next"' in first
    assert "per_page=5" in re.search(r'<a href="([^"]+)" rel="next"', first).group(1)
    assert "Page 3 of 3" in last and 'rel="next"' not in last


@pytest.mark.parametrize(
    ("url", "sorted_by"),
    [
        ("/admin/events", ("name", "date", "status")),
        ("/admin/referrals", ("name", "stage", "date", "referred")),
        ("/admin/rewards/redemptions", ("owner", "reward", "points", "date")),
        ("/admin/charity", ("name", "status", "ends")),
        ("/admin/announcements", ("title", "date")),
        ("/admin/visit-requests", ("date", "owner", "day", "status")),
        ("/admin/notifications", ("date", "kind", "status")),
    ],
)
def test_list_offers_sortable_columns(client, as_admin, seeders, url, sorted_by):
    for _, add in seeders.values():
        add(1)
    for column in sorted_by:
        for direction in ("asc", "desc"):
            page = client.get(f"{url}?sort={column}&dir={direction}")
            assert page.status_code == 200, (column, direction)
            html = page.get_data(as_text=True)
            expected = "ascending" if direction == "asc" else "descending"
            assert f'aria-sort="{expected}"' in html, (column, direction)


def test_events_sort_by_name(client, as_coordinator, make_event):
    make_event("Banana", days=1)
    make_event("apple", days=2)
    make_event("Cherry", days=3)

    html = client.get("/admin/events?sort=name&dir=desc").get_data(as_text=True)

    titles = re.findall(r'class="row-link" href="/admin/events/\d+">([^<]+)</a>', html)
    assert titles == ["Cherry", "Banana", "apple"]


def test_redemptions_sort_by_points_biggest_first(
    client, as_coordinator, make_owner, make_reward, make_redemption
):
    for cost in (300, 900, 100):
        make_redemption(make_owner(), make_reward(name=f"Reward {cost}", points_cost=cost))

    html = client.get("/admin/rewards/redemptions?sort=points&dir=desc").get_data(as_text=True)

    assert re.findall(r">Reward (\d+)</a>", html) == ["900", "300", "100"]


def test_a_nonsense_page_size_is_kept_within_bounds(client, as_coordinator, make_event):
    for number in range(6):
        make_event(f"Event {number}", days=number + 1)

    tiny = client.get("/admin/events?per_page=0").get_data(as_text=True)
    huge = client.get("/admin/events?per_page=100000").get_data(as_text=True)

    assert "Page 1 of 2" in tiny  # at least 5 a page
    assert "Page 1 of" not in huge
