"""The owner's inbox, and the signed links in emails that change consent or unsubscribe.

These pages commit directly rather than through `portal.web`: the view glue reads the
dealership's settings, a layer above notifications, so importing it here would be a cycle.
Nothing here queues a message, so there is nothing to send after the commit.
"""

from datetime import datetime
from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from portal import clock
from portal.db import DATABASE_INT_MAX, write_in_own_transaction
from portal.extensions import csrf, db
from portal.forms import EmptyForm
from portal.links import kept_per_mount, url_pattern
from portal.notifications import bp, queries, services
from portal.notifications.forms import ConsentForm
from portal.notifications.rules import CATEGORY_WORDS, Category
from portal.paging import ListPage
from portal.security import sign, unsign

#: Consent links in emails stay valid for a year; each email carries a fresh one.
CONSENT_LINK_MAX_AGE = 365 * 24 * 3600
MESSAGES_PER_PAGE = 20
#: Where the app keeps the inbox's links (`app.extensions`), one set per mount point.
_KEPT_LINKS = "portal.notifications.inbox_links"


@bp.route("/inbox")
@login_required
def inbox():
    """Every message the dealership sent the owner, newest first."""
    page = queries.inbox_page(  # a page before the first or past the last is a 404
        db.session,
        current_user,
        min(request.args.get("page", 1, type=int), DATABASE_INT_MAX),
        MESSAGES_PER_PAGE,
    )
    if page is None:
        abort(404)
    links = _inbox_links()
    return render_template(
        "notifications/inbox.html",
        page=page,
        messages=_message_lines(links.message, page.items),
        pager=_pager(links.page, page),
        read_all_url=links.read_all,
    )


#: A line of the list up to its date, which the template adds (the `when` filter) and closes.
_LINE = (
    '<li class="{unread}"><a href="{url}"><span class="message-subject message-text">'
    "{hint}{subject}</span>"
    '<span class="message-date">'
)
_UNREAD_HINT = '<span class="visually-hidden">Unread: </span>'


def _message_lines(message_url: str, rows) -> list[tuple[Markup, datetime]]:
    """Each line of the list as (its markup up to the date, the date), drawn here: in the
    template each value of a line cost more than writing the line (see
    `tests/notifications/test_inbox_page.py` for the markup)."""
    return [
        (
            Markup(  # noqa: S704 - the subject is escaped, the rest is ours
                _LINE.format(
                    unread="unread" if unread else "",
                    url=message_url.format(id_),
                    hint=_UNREAD_HINT if unread else "",
                    subject=escape(subject),
                )
            ),
            created_at,
        )
        for id_, subject, created_at, unread, _counted in rows
    ]


class InboxLinks(NamedTuple):
    """The inbox's links: a line's (its id in `{}`), a page's (its number), "mark all read"."""

    message: str
    page: str
    read_all: str


def _inbox_links() -> InboxLinks:
    """The inbox's links, worked out once per mount point and kept: the app's URLs never
    change while it runs, and each `url_for` costs more than a line of the list."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: InboxLinks(
            url_pattern("notifications.message", "notification_id"),
            url_pattern("notifications.inbox", "page"),
            url_for("notifications.mark_all_read"),
        ),
    )


class PagerLinks(NamedTuple):
    """The pager under the list: "Page 2 of 7" (or "of 7+"), `prev`/`next` None at either end."""

    page: int
    pages: str
    prev: str | None
    next: str | None


def _pager(page_url: str, page: ListPage) -> PagerLinks | None:
    """The pager's links (as the `pager` macro writes them), None for a list of one page."""
    if page.pages <= 1:
        return None
    return PagerLinks(
        page.page,
        f"{page.pages}" if page.exact else f"{page.pages}+",
        page_url.format(page.prev_num) if page.has_prev else None,
        page_url.format(page.next_num) if page.has_next else None,
    )


@bp.route("/inbox/<int:notification_id>")
@login_required
def message(notification_id: int):
    """One message; opening it marks it read."""
    notification = queries.get_for_owner(db.session, current_user, notification_id)
    if notification is None:
        abort(404)
    if notification.read_at is None:
        write_in_own_transaction(
            db.session, lambda: services.mark_read(db.session, notification.id, clock.now())
        )
    return render_template("notifications/message.html", notification=notification)


@bp.post("/inbox/read-all")
@login_required
def mark_all_read():
    """Mark every message read."""
    if EmptyForm().validate_on_submit():
        services.mark_all_read(db.session, current_user, clock.now())
        db.session.commit()
        flash("All caught up.", "success")
    return redirect(url_for("notifications.inbox"), code=303)


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    """Change which messages we send, straight from an email, without signing in."""
    payload = unsign("consent", token, CONSENT_LINK_MAX_AGE)
    user = queries.recipient(db.session, payload["uid"]) if payload else None
    if user is None:
        abort(404)
    form = ConsentForm(obj=user)
    if form.validate_on_submit():
        services.save_consents(
            user,
            consent_service=form.consent_service.data,
            consent_event_invites=form.consent_event_invites.data,
            birthday_messages=form.birthday_messages.data,
        )
        db.session.commit()
        flash(f"Thank you, {user.first_name}: your message choices are saved.", "success")
        return redirect(url_for("notifications.preferences", token=token), code=303)
    return render_template("notifications/preferences.html", form=form, owner=user)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop one category of message from an email: a page with a button, or one click.

    Mail providers POST here with no cookies and no CSRF token (RFC 8058): the signed
    token alone says which owner and which category, so it is the only credential.
    """
    user, category = _unsubscriber(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", owner=None), 404
    changed = request.method == "POST" and services.unsubscribe(user, category)
    if changed:
        db.session.commit()
    consent_token = sign("consent", {"uid": user.id})
    return render_template(
        "notifications/unsubscribe.html",
        owner=user,
        category=category,
        words=CATEGORY_WORDS[category],
        subscribed=services.is_subscribed(user, category),
        changed=changed,
        preferences_url=url_for("notifications.preferences", token=consent_token),
    )


def _unsubscriber(token: str) -> tuple:
    """The owner and category a valid unsubscribe token names, or (None, None)."""
    payload = unsign("unsubscribe", token, CONSENT_LINK_MAX_AGE)
    if not isinstance(payload, dict) or payload.get("cat") not in set(Category):
        return None, None
    if not isinstance(payload.get("uid"), int):
        return None, None
    user = queries.recipient(db.session, payload["uid"])
    return (user, Category(payload["cat"])) if user is not None else (None, None)
