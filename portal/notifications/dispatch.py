"""Glue between the delivery service and the running app: mailer, SMS backend, links."""

from collections.abc import Callable, Mapping, Sequence
from functools import partial

from flask import current_app, render_template
from sqlalchemy.orm import Session

from portal import clock
from portal.extensions import db
from portal.mail import Attachment, mailer_from_config
from portal.notifications.budget import route_claimed
from portal.notifications.models import Notification
from portal.notifications.rules import Category, category_for
from portal.notifications.services import QUEUED, DeliveryReport, deliver_pending
from portal.security import public_url, sign
from portal.sms import sms_from_config

#: Where the app keeps, per kind of message, what builds its email's attachments.
ATTACHMENTS = "portal.mail_attachments"

#: Builds one message's attachments; the dict lives for one dispatch run, for work its
#: messages share (ten confirmations of one event need the event's file once).
AttachmentBuilder = Callable[[Notification, dict], Sequence[Attachment]]


def install_attachments(app, builders: Mapping[str, AttachmentBuilder]) -> None:
    """Give the app the attachment builders of the domains above, by kind of message."""
    app.extensions[ATTACHMENTS] = dict(builders)


def _attachments_for_this_run() -> Callable[[Notification], Sequence[Attachment]]:
    builders: Mapping[str, AttachmentBuilder] = current_app.extensions.get(ATTACHMENTS, {})
    shared: dict = {}

    def attachments_for(notification: Notification) -> Sequence[Attachment]:
        build = builders.get(notification.kind)
        return build(notification, shared) if build else ()

    return attachments_for


def consent_link(user_id: int) -> str:
    """A signed link where the owner changes what we may send them, without signing in."""
    return public_url("notifications.preferences", token=sign("consent", {"uid": user_id}))


def unsubscribe_link(user_id: int, category: Category) -> str:
    """A signed one-click link (RFC 8058) that turns off this category for this owner."""
    token = sign("unsubscribe", {"uid": user_id, "cat": str(category)})
    return public_url("notifications.unsubscribe", token=token)


def render_email(notification: Notification) -> tuple[str, str, dict[str, str]]:
    """The text and HTML of a notification email, and its List-Unsubscribe headers.

    Every link is built on PORTAL_BASE_URL, whatever request (if any) is running.
    """
    unsubscribe = unsubscribe_link(notification.user_id, category_for(notification.kind))
    action_url = (
        public_url("home.index").rstrip("/") + notification.action_path
        if notification.action_path
        else None
    )
    context = {
        "notification": notification,
        "user": notification.user,
        "consent_link": consent_link(notification.user_id),
        "unsubscribe_link": unsubscribe,
        "action_url": action_url,
    }
    text = render_template("email/notification.txt", **context)
    html = render_template("email/notification.html", **context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return text, html, headers


def take_queued(session: Session) -> list[int]:
    """The ids of the messages this session queued since it was last asked, forgetting them."""
    return session.info.pop(QUEUED, [])


def dispatch(
    only_ids: Sequence[int] | None = None, weekly_limit: int | None = None
) -> DeliveryReport:
    """Deliver pending notifications (all, or just these) with the app's backends.

    A topic reaches the owner's email or phone once; with `weekly_limit` (the dealership's
    setting) budgeted messages beyond it wait for the owner's digest.
    """
    config = current_app.config
    if only_ids is not None and not only_ids:
        return DeliveryReport()
    with current_app.test_request_context(base_url=config["PORTAL_BASE_URL"]):
        return deliver_pending(
            db.session,
            mailer=mailer_from_config(config),
            sms=sms_from_config(config),
            now=clock.now(),
            render_email=render_email,
            only_ids=only_ids,
            route=partial(route_claimed, weekly_limit=weekly_limit),
            attachments_for=_attachments_for_this_run(),
        )
