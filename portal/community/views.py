"""The community page: announcements, then each domain's section (open drives, events...)."""

from flask import render_template
from flask_login import current_user

from portal.community import bp, queries, rules
from portal.community.models import body_as_html
from portal.extensions import db
from portal.sections import render_sections
from portal.web import page_number, wants_fragment


@bp.app_template_filter("paragraphs")
def paragraphs_filter(text: str | None):
    """Plain user text as escaped paragraphs."""
    return rules.paragraphs(text)


@bp.app_template_filter("announcement_html")
def announcement_html_filter(announcement):
    """An announcement's body (or a row of the community page's) as safe HTML, as it was
    rendered when saved."""
    return body_as_html(announcement)


@bp.route("/community")
def index():
    """What's happening in the club, for whoever is looking (visitors see public items).

    Announcements come a page at a time; htmx swaps just the announcements for another page.
    """
    page = page_number()
    announcements, has_next = queries.announcements_for(db.session, current_user, page)
    context = {"announcements": announcements, "page": page, "has_next": has_next}
    if wants_fragment():
        return render_template("community/_announcements.html", **context)
    sections = render_sections("community", current_user)
    return render_template("community/index.html", sections=sections, **context)
