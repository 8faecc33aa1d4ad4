"""The owners list's table: its cells, sort heads and pager are worked out in Python
(`portal.admin.owner_list`) and must read exactly as the shared macros wrote them."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import get_template_attribute, url_for

from portal.admin import owner_list
from portal.extensions import db
from portal.paging import ListPage

HTMX = {"HX-Request": "true"}


def _flat(html: str) -> str:
    """Markup with the whitespace between and around tags taken out."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


def _row(html: str, name: str) -> str:
    """The table row of the owner called `name` (escaped as the page writes it)."""
    match = re.search(r"<tr>((?:(?!</tr>).)*?>" + re.escape(name) + r"</a>.*?)</tr>", html, re.S)
    assert match, name
    return _flat(match.group(1))


def _cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


def _status_macro(app, deactivated_at, last_login_at) -> str:
    with app.test_request_context():
        owner_status = get_template_attribute("admin/_macros.html", "owner_status")
        person = SimpleNamespace(deactivated_at=deactivated_at, last_login_at=last_login_at)
        return _flat(owner_status(person))


def test_each_status_tag_reads_as_the_owner_status_macro(app, client, as_coordinator, make_owner):
    now = datetime.now(UTC)
    make_owner(name="Dora Deactivated", deactivated_at=now, last_login_at=now)
    make_owner(name="Nina Newcomer")
    make_owner(name="Alma Active", last_login_at=now)
    html = client.get("/admin/owners").get_data(True)

    expected = {
        "Dora Deactivated": _status_macro(app, now, now),
        "Nina Newcomer": _status_macro(app, None, None),
        "Alma Active": _status_macro(app, None, now),
    }
    assert expected["Dora Deactivated"] == '<span class="tag tag-danger">Deactivated</span>'
    assert expected["Nina Newcomer"] == '<span class="tag tag-muted">Not signed in yet</span>'
    assert expected["Alma Active"] == '<span class="tag tag-ok">Active</span>'
    for name, tag in expected.items():
        assert _cells(_row(html, name))[-1] == tag


def test_a_row_shows_link_email_phone_active_cars_and_day_joined(
    client, as_coordinator, make_owner, make_vehicle
):
    joined = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    priya = make_owner(
        name="Priya Patel", email="priya@example.com", phone="+12025550143", created_at=joined
    )
    make_vehicle(priya)
    make_vehicle(priya)
    make_vehicle(priya, retired_at=datetime.now(UTC) - timedelta(days=3))
    make_owner(name="Pete Phoneless")
    html = client.get("/admin/owners").get_data(True)

    link, email, phone, cars, day, _ = _cells(_row(html, "Priya Patel"))
    assert link == f'<a class="row-link" href="/admin/owners/{priya.id}">Priya Patel</a>'
    assert email == "priya@example.com"
    assert phone == "(202) 555-0143"
    assert cars == "2"
    assert day == '<time datetime="2025-03-04">4 Mar 2025</time>'
    assert _cells(_row(html, "Pete Phoneless"))[2] == "—"


def test_names_and_searches_are_escaped(client, as_coordinator, make_owner):
    make_owner(name='"<script>alert(1)</script>', email="xss@example.com")
    html = client.get("/admin/owners").get_data(True)
    assert "<script>alert(1)" not in html
    assert _cells(_row(html, "&#34;&lt;script&gt;alert(1)&lt;/script&gt;"))[1] == "xss@example.com"

    searched = client.get("/admin/owners", query_string={"q": '"<script>'}).get_data(True)
    assert "<script>" not in searched.partition("<main")[2]
    assert 'aria-label="Owners matching &#34;&lt;script&gt;"' in searched
    assert "1 owner</strong> matching “&#34;&lt;script&gt;”" in searched
    assert "q=%22%3Cscript%3E" in searched
    missing = client.get("/admin/owners", query_string={"q": "<script>x"}).get_data(True)
    assert "No owner matches “&lt;script&gt;x”" in missing


def test_empty_list_says_so_with_and_without_a_search(client, as_coordinator):
    html = client.get("/admin/owners").get_data(True)
    assert "No owners yet. Import them" in html
    assert "<table" not in html and 'class="pager"' not in html
    assert "No owner matches “zz”" in client.get("/admin/owners?q=zz").get_data(True)


@pytest.mark.parametrize(
    "query",
    ["", "Owner", "a&b=c", "50% off", "Zoë #1", "semi;colon/slash?", "plus+sign", "<b>'\"</b>"],
)
def test_links_are_the_ones_url_for_writes(app, query):
    with app.test_request_context():
        base = url_for("admin.owners")
        for sort in ("name", "cars"):
            for descending in (False, True):
                written = owner_list.with_query(
                    base,
                    ("page", 3),
                    ("q", query or None),
                    ("sort", sort),
                    ("dir", "desc" if descending else None),
                )
                assert written == url_for(
                    "admin.owners",
                    page=3,
                    q=query or None,
                    sort=sort,
                    dir="desc" if descending else None,
                )


def _list_of(client, make_owner, how_many: int) -> None:
    for number in range(how_many):
        make_owner(name=f"Listed {number:02d}", email=f"listed{number}@example.com")


@pytest.mark.parametrize(
    ("query", "sort", "descending", "page_number"),
    [("", "name", False, 1), ("listed", "cars", True, 2), ("", "joined", False, 2)],
)
def test_sort_heads_and_pager_read_as_the_shared_macros(
    app, client, as_coordinator, make_owner, query, sort, descending, page_number
):
    _list_of(client, make_owner, 30)
    url = f"/admin/owners?page={page_number}&sort={sort}&dir={'desc' if descending else 'asc'}"
    url += f"&q={query}" if query else ""
    fragment = client.get(url, headers=HTMX).get_data(True)

    with app.test_request_context():
        sort_header = get_template_attribute("admin/_macros.html", "sort_header")
        pager = get_template_attribute("macros/pagination.html", "pager")
        heads = [
            sort_header(
                label,
                column,
                "admin.owners",
                sort,
                descending,
                target="#owner-results",
                num=numeric,
                first_desc=first_desc,
                q=query or None,
            )
            for label, column, numeric, first_desc in owner_list.SORT_COLUMNS
        ]
        page = ListPage([], page_number, 25, 30, True)
        pages = pager(
            page, "admin.owners", q=query or None, sort=sort, dir="desc" if descending else None
        )
    thead = _flat(re.search(r"<thead>(.*?)</thead>", fragment, re.S).group(1))
    expected_head = (
        "<tr>"
        + _flat(heads[0])
        + '<th scope="col">Email</th><th scope="col">Phone</th>'
        + _flat(heads[1])
        + _flat(heads[2])
        + '<th scope="col">Status</th></tr>'
    )
    assert thead == expected_head
    assert _flat(re.search(r'<nav class="pager".*?</nav>', fragment, re.S).group(0)) == _flat(pages)


def test_one_page_has_no_pager_and_a_long_list_counts_on(client, as_coordinator, make_owner):
    _list_of(client, make_owner, 3)
    assert 'class="pager"' not in client.get("/admin/owners").get_data(True)
    with client.application.test_request_context():
        long_list = ListPage([], 2, 25, 1025, False)
        links = owner_list.pager_links("/admin/owners", long_list, "", "name", False)
    assert links == owner_list.PagerLinks(
        2, "41+", "/admin/owners?page=1&sort=name", "/admin/owners?page=3&sort=name"
    )


def test_the_htmx_fragment_is_the_pages_results(client, as_coordinator, make_owner):
    _list_of(client, make_owner, 30)
    url = "/admin/owners?q=listed&sort=cars&dir=desc&page=2"
    page = client.get(url).get_data(True)
    fragment = client.get(url, headers=HTMX).get_data(True)
    results = re.search(r'<div id="owner-results">(.*)</div>\s*</div>\s*</div>', page, re.S)
    assert _flat(results.group(1)) == _flat(fragment)
    assert "Listed 29" in fragment or "Listed 04" in fragment


def test_the_page_head_links_keep_the_search(client, as_admin, make_owner):
    html = client.get("/admin/owners?q=a+b&sort=cars&dir=desc").get_data(True)
    assert 'href="/admin/owners/export.csv?q=a+b&amp;sort=cars&amp;dir=desc"' in html
    assert '<a class="button" href="/admin/imports">Import from DMS</a>' in html
    assert 'action="/admin/owners"' in html and 'hx-get="/admin/owners"' in html


def test_coordinators_see_no_import_button(client, as_coordinator):
    html = client.get("/admin/owners").get_data(True)
    assert "Import from DMS" not in html
    assert 'href="/admin/owners/export.csv?sort=name"' in html


@pytest.mark.parametrize("url", ["/admin/owners", "/admin/owners?q=listed&page=2"])
def test_owner_list_runs_three_statements(client, as_coordinator, make_owner, count_queries, url):
    _list_of(client, make_owner, 30)
    client.get(url)
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    # The signed-in user with their unread count and the settings (the layout's dealership
    # name), the bounded count, the page of owners.
    assert len(statements) == 3, statements
    db.session.rollback()
