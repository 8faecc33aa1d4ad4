"""Staff lists page without counting the whole list: "Page 1 of 3+", the last page past the end."""

import pytest

from portal import paging
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.paging import page_of

HUGE = str(10**30)


@pytest.fixture
def thirty_owners(app):
    for number in range(30):
        db.session.add(
            User(
                email=f"paged{number:02}@example.com",
                name=f"Paged {number:02}",
                role=Role.OWNER,
                password_hash="x",
            )
        )
    db.session.commit()


@pytest.fixture
def count_ten_ahead(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_AHEAD", 10)


def _owners():
    from portal.admin.queries import owner_search

    return owner_search("paged", "name", False)


def test_a_short_list_is_counted_exactly(app, thirty_owners):
    page = page_of(db.session, _owners(), 2, 5)
    assert (page.total, page.exact, page.pages) == (30, True, 6)
    assert [owner.name for owner in page.items] == [f"Paged {n:02}" for n in range(5, 10)]
    assert (page.prev_num, page.next_num) == (1, 3)


def test_a_long_list_is_counted_only_a_little_past_the_page(app, thirty_owners, count_ten_ahead):
    first = page_of(db.session, _owners(), 1, 5)
    assert (first.total, first.exact, first.pages, first.has_next) == (10, False, 2, True)
    fourth = page_of(db.session, _owners(), 4, 5)
    assert (fourth.total, fourth.exact, fourth.next_num) == (25, False, 5)
    fifth = page_of(db.session, _owners(), 5, 5)
    assert (fifth.total, fifth.exact, fifth.pages, fifth.next_num) == (30, True, 6, 6)


def test_past_the_end_is_the_last_page_in_two_statements(
    app, thirty_owners, count_ten_ahead, count_queries
):
    with count_queries() as statements:
        page = page_of(db.session, _owners(), 1000, 5)
    assert len(statements) == 2
    assert (page.page, page.total, page.exact) == (6, 30, True)
    assert [owner.name for owner in page.items][-1] == "Paged 29"


def test_an_empty_list_is_page_one_of_one(app):
    page = page_of(db.session, _owners(), 7, 5)
    assert (page.page, page.pages, page.items, page.has_next, page.has_prev) == (
        1,
        1,
        [],
        False,
        False,
    )


def test_the_owners_page_says_there_are_more_than_it_counted(
    client, as_coordinator, thirty_owners, monkeypatch
):
    monkeypatch.setattr(paging, "COUNT_AHEAD", 26)
    html = client.get("/admin/owners?q=paged").get_data(as_text=True)
    assert "More than 26 owners" in html
    assert "Page 1 of 2+" in html
    assert 'rel="next"' in html
    last = client.get(f"/admin/owners?q=paged&page={HUGE}").get_data(as_text=True)
    assert "Page 2 of 2" in last and "Paged 29" in last
    assert "30 owners" in last


def test_counting_stops_whatever_the_list_length(app, thirty_owners, count_queries):
    with count_queries() as statements:
        page_of(db.session, _owners(), 1, 5)
    count = next(sql for sql in statements if "count(" in sql.lower())
    assert "LIMIT" in count.upper()


def test_a_list_of_rows_paged_on_the_apps_session_skips_the_orms_path(app, thirty_owners):
    """`db.session` is a scoped session, not a `Session`: a page of rows and its count still
    run on the connection, not through the ORM's execution."""
    from sqlalchemy import event, select

    listing = paging.PagedSelect(select(User.id, User.name).order_by(User.name), rows=True)
    orm_runs, session = [], db.session()
    record = orm_runs.append
    event.listen(session, "do_orm_execute", record)
    try:
        listed = listing.page_of(db.session, {}, 2, 10)
    finally:
        event.remove(session, "do_orm_execute", record)

    assert orm_runs == []
    assert [name for _, name in listed.items] == [f"Paged {n:02}" for n in range(10, 20)]
    assert (listed.page, listed.total, listed.exact) == (2, 30, True)
