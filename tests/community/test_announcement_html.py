"""Announcements are rendered once, when saved, and again only when the renderer changes."""

import pytest
from markupsafe import Markup
from sqlalchemy import select, update

from portal.community import models as community_models
from portal.community.models import Announcement
from portal.community.rules import RENDERER_VERSION, announcement_html
from portal.extensions import db
from tests.html_checks import assert_no_live_user_markup

MARKDOWN = (
    "**Winter clinic** on [Saturday](https://example.com/clinic)\n\n"
    "- tyres\n- wipers\n\n<script>alert(1)</script> [x](javascript:alert(1))"
)


def _post(client, path: str, **values) -> None:
    form = {"title": "Winter clinic", "audience": "everyone", **values}
    assert client.post(path, data=form).status_code == 303


def _saved() -> Announcement:
    db.session.expire_all()
    return db.session.scalar(select(Announcement))


def _store(announcement: Announcement, html: str | None, version: str) -> None:
    """Put this HTML and renderer version in the row, behind the model's back."""
    db.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id)
        .values(body_html=html, renderer_version=version)
    )
    db.session.commit()


def _make_stale(announcement: Announcement, html: str | None = "<p>Old rendering</p>") -> None:
    """As if an older renderer (or a bulk import) had stored this row."""
    _store(announcement, html, "0;an older renderer")


@pytest.mark.parametrize("body_format", ["markdown", "text"])
def test_the_html_stored_at_save_time_is_what_the_renderer_makes(
    client, as_coordinator, body_format
):
    _post(client, "/admin/announcements/new", body=MARKDOWN, body_format=body_format)
    saved = _saved()
    assert saved.body_html == str(announcement_html(MARKDOWN, body_format))
    assert saved.renderer_version == RENDERER_VERSION
    assert_no_live_user_markup(saved.body_html)
    assert saved.body_html in client.get("/community").get_data(as_text=True)


def test_editing_renders_the_body_again(client, as_coordinator):
    _post(client, "/admin/announcements/new", body="First *draft*", body_format="markdown")
    saved = _saved()
    assert "<em>draft</em>" in saved.body_html
    _post(
        client,
        f"/admin/announcements/{saved.id}/edit",
        body="Now **final**",
        body_format="markdown",
    )
    edited = _saved()
    assert edited.body_html == str(announcement_html("Now **final**", "markdown"))
    _post(client, f"/admin/announcements/{saved.id}/edit", body="Now **final**", body_format="text")
    assert _saved().body_html == "<p>Now **final**</p>"  # the format changed, so the HTML did


def test_the_page_shows_stored_html_without_rendering_again(client, make_announcement, monkeypatch):
    make_announcement("Clinic", body="Bring the *spare*", body_format="markdown")

    def no_rendering(*args):
        raise AssertionError("the community page rendered an announcement it had stored")

    monkeypatch.setattr(community_models, "announcement_html", no_rendering)
    page = client.get("/community").get_data(as_text=True)
    assert "Bring the <em>spare</em>" in page


def test_an_older_renderers_html_is_rendered_again_on_read(client, make_announcement):
    announcement = make_announcement("Clinic", body="Bring the *spare*", body_format="markdown")
    _make_stale(announcement)
    never_rendered = make_announcement("Imported", body="From the old site")
    _make_stale(never_rendered, html=None)
    page = client.get("/community").get_data(as_text=True)
    assert "Old rendering" not in page
    assert "Bring the <em>spare</em>" in page and "<p>From the old site</p>" in page
    assert _saved().renderer_version == "0;an older renderer"  # a GET stores nothing


def test_the_command_stores_html_for_rows_an_older_renderer_made(runner, make_announcement):
    current = make_announcement("Current", body="Up to *date*", body_format="markdown")
    stale = make_announcement("Stale", body="Needs *rendering*", body_format="markdown")
    _make_stale(stale)
    _store(current, "<p>kept</p>", RENDERER_VERSION)

    result = runner.invoke(args=["community", "render-announcements"])
    assert result.exit_code == 0, result.output
    assert "Rendered 1 announcement again." in result.output
    db.session.expire_all()
    assert stale.body_html == str(announcement_html("Needs *rendering*", "markdown"))
    assert stale.renderer_version == RENDERER_VERSION
    assert current.body_html == "<p>kept</p>"  # rows from today's renderer are left alone

    assert (
        "Rendered 0 announcements again."
        in runner.invoke(args=["community", "render-announcements"]).output
    )
    assert (
        "Rendered 2 announcements again."
        in runner.invoke(args=["community", "render-announcements", "--all"]).output
    )
    db.session.expire_all()
    assert current.body_html == str(announcement_html("Up to *date*", "markdown"))


def test_a_new_renderer_version_marks_every_stored_body_as_due(
    client, make_announcement, monkeypatch
):
    make_announcement("Clinic", body="Bring the *spare*", body_format="markdown")
    monkeypatch.setattr(community_models, "RENDERER_VERSION", "2;a newer renderer")
    monkeypatch.setattr(
        community_models, "announcement_html", lambda body, body_format: Markup("<p>newer</p>")
    )
    assert "<p>newer</p>" in client.get("/community").get_data(as_text=True)
