"""The inbox page: its lines (drawn in Python up to their dates) and its pager read as the
templates drew them, and one page costs two statements: the user, and the page with its count."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal import clock

NOW = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


def main(html: str) -> str:
    """The page's content, whitespace between tags dropped and runs of it made one space."""
    content = re.search(r'<main id="main" class="wrap">(.*)</main>', html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"\s*([<>])\s*", r"\1", content)).strip()


def test_lines_read_and_unread_with_the_button_to_read_them_all(
    client, login, make_owner, make_notification
):
    owner = make_owner()
    unread = make_notification(owner, subject=f"Hi {SCRIPT}", created_at=NOW)
    read = make_notification(
        owner, subject="Read one", created_at=NOW - timedelta(days=2), read_at=NOW
    )
    login(owner)
    html = main(client.get("/inbox").get_data(as_text=True))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert html.endswith(
        '<div class="page-head"><h1>Your inbox</h1>'
        '<form method="post" action="/inbox/read-all">'
        f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
        '<button type="submit" class="button button-secondary">Mark all as read</button>'
        '</form></div><ul class="message-list">'
        f'<li class="unread"><a href="/inbox/{unread.id}">'
        '<span class="message-subject message-text">'
        '<span class="visually-hidden">Unread:</span>'
        "Hi &lt;script&gt;alert(1)&lt;/script&gt;</span>"
        '<span class="message-date"><time datetime="2025-11-20">20 Nov 2025</time></span>'
        "</a></li>"
        f'<li class=""><a href="/inbox/{read.id}">'
        '<span class="message-subject message-text">Read one</span>'
        '<span class="message-date"><time datetime="2025-11-18">18 Nov 2025</time></span>'
        "</a></li></ul>"
    )


def test_pager_links_either_way_and_no_button_when_all_are_read(
    client, login, make_owner, make_notification
):
    owner = make_owner()
    for number in range(45):
        make_notification(owner, created_at=NOW - timedelta(days=number), read_at=NOW)
    login(owner)
    pager = ('<nav class="pager" aria-label="Pages">{}<span>Page {} of 3</span>{}</nav>').format
    previous = '<a href="/inbox?page={}" rel="prev">← Previous</a>'.format
    following = '<a href="/inbox?page={}" rel="next">Next →</a>'.format
    first = main(client.get("/inbox").get_data(as_text=True))
    assert "Mark all as read" not in first
    assert first.endswith("</ul>" + pager("", 1, following(2)))
    assert main(client.get("/inbox?page=2").get_data(as_text=True)).endswith(
        pager(previous(1), 2, following(3))
    )
    last = main(client.get("/inbox?page=3").get_data(as_text=True))
    assert last.count("<li ") == 5 and last.endswith(pager(previous(2), 3, ""))


def test_an_empty_inbox_says_so(client, login, make_owner):
    login(make_owner())
    assert main(client.get("/inbox").get_data(as_text=True)).endswith(
        '<div class="page-head"><h1>Your inbox</h1></div><p class="empty">Nothing here yet. '
        "When something's due for your car, or an event you've joined changes, you'll find "
        "it here.</p>"
    )


def test_a_page_runs_the_user_and_one_statement(
    client, login, make_owner, make_notification, count_queries
):
    owner = make_owner()
    for _ in range(25):
        make_notification(owner)
    login(owner)
    client.get("/inbox")
    for path in ("/inbox", "/inbox?page=2"):
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == 2, "\n".join(statements)
