"""The pipeline's sort heads, pager and links are worked out in Python
(`portal.referrals.pipeline_table`) and must read exactly as the shared macros wrote them."""

import re

import pytest
from flask import get_template_attribute, url_for

from portal.extensions import db
from portal.paging import ListPage
from portal.referrals import pipeline_table
from portal.referrals.models import Stage


def _flat(html: str) -> str:
    """Markup with the whitespace between and around tags taken out."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


def _friends(make_owner, make_referral, how_many: int, stage=Stage.INVITED) -> None:
    referrer = make_owner(name="Referring Owner")
    for number in range(how_many):
        make_referral(referrer, name=f"Friend {number:02d}", stage=stage)


@pytest.mark.parametrize(
    ("query", "sort", "descending", "list_args", "page_number"),
    [
        ("", "date", True, {}, 1),
        ("?sort=name&dir=asc&page=2", "name", False, {}, 2),
        ("?stage=contacted&sort=stage&dir=desc", "stage", True, {"stage": "contacted"}, 1),
        ("?per_page=5&sort=referred&dir=asc&page=3", "referred", False, {"per_page": 5}, 3),
    ],
)
def test_sort_heads_and_pager_read_as_the_shared_macros(
    app,
    client,
    login,
    coordinator,
    make_owner,
    make_referral,
    query,
    sort,
    descending,
    list_args,
    page_number,
):
    _friends(make_owner, make_referral, 55, stage=Stage.CONTACTED)
    login(coordinator)
    html = client.get(f"/admin/referrals{query}").get_data(as_text=True)
    per_page = list_args.get("per_page", 50)

    with app.test_request_context():
        sort_header = get_template_attribute("admin/_macros.html", "sort_header")
        pager = get_template_attribute("macros/pagination.html", "pager")
        heads = [
            _flat(
                sort_header(
                    label,
                    column,
                    "admin.referrals",
                    sort,
                    descending,
                    first_desc=first,
                    **list_args,
                )
            )
            for label, column, first in pipeline_table.SORT_COLUMNS
        ]
        page = ListPage([], page_number, per_page, 55, True)
        pages = pager(
            page, "admin.referrals", sort=sort, dir="desc" if descending else "asc", **list_args
        )
        export = url_for("admin.export_referrals", stage=list_args.get("stage"))
    plain = (
        '<th scope="col">Interested in</th><th scope="col">Contact</th>'
        '<th scope="col">Referred by</th><th scope="col">Came through</th>'
    )
    thead = _flat(re.search(r"<thead>(.*?)</thead>", html, re.S).group(1))
    assert thead == f"<tr>{heads[0]}{plain}{''.join(heads[1:])}</tr>"
    assert _flat(re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)) == _flat(pages)
    assert f'<a class="button button-secondary" href="{export}">Download CSV</a>' in html


def test_one_page_has_no_pager(client, login, coordinator, make_owner, make_referral):
    _friends(make_owner, make_referral, 3)
    login(coordinator)
    html = client.get("/admin/referrals").get_data(as_text=True)
    assert "Friend 02" in html and 'class="pager"' not in html


def test_the_stage_tabs_link_each_stage(client, login, coordinator, make_owner, make_referral):
    _friends(make_owner, make_referral, 2)
    login(coordinator)
    html = client.get("/admin/referrals?stage=invited").get_data(as_text=True)
    tabs = re.sub(r"\s+", " ", re.search(r'<nav class="stage-tabs".*?</nav>', html, re.S).group(0))
    assert '<a href="/admin/referrals">All <span class="count">2</span></a>' in tabs
    assert (
        '<a href="/admin/referrals?stage=invited" aria-current="page">Invited '
        '<span class="count">2</span></a>'
    ) in tabs
    assert '<a href="/admin/referrals?stage=lost">Lost <span class="count">0</span></a>' in tabs


@pytest.mark.parametrize("value", ["lost", "a&b=c", "50% off", "Zoë #1", "<b>'\"</b>", "x+y"])
def test_links_are_the_ones_url_for_writes(app, value):
    with app.test_request_context():
        base = url_for("admin.referrals")
        written = pipeline_table.with_query(
            base, ("page", 2), ("sort", "name"), ("dir", "asc"), ("stage", value), ("per_page", 5)
        )
        assert written == url_for(
            "admin.referrals", page=2, sort="name", dir="asc", stage=value, per_page=5
        )
        assert pipeline_table.with_query(base, ("stage", None)) == url_for("admin.referrals")


@pytest.mark.parametrize("url", ["/admin/referrals", "/admin/referrals?stage=invited&page=2"])
def test_the_pipeline_runs_three_statements(
    client, login, coordinator, make_owner, make_referral, count_queries, url
):
    _friends(make_owner, make_referral, 60)
    login(coordinator)
    client.get(url)
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    # The signed-in user with their unread count and the settings (tiers and the dealership's
    # zone together), the counts by stage and channel, the page of friends.
    assert len(statements) == 3, statements
    db.session.rollback()
