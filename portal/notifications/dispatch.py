"""Glue between the delivery service and the running app: mailer, SMS backend, links."""

from collections.abc import Callable, Mapping, Sequence

from flask import current_app, render_template, url_for
from sqlalchemy.orm import Session

from portal import clock
from portal.extensions import db
from portal.mail import Attachment, mailer_from_config
from portal.notifications.models import Notification
from portal.notifications.services import QUEUED, DeliveryReport, deliver_pending
from portal.security import sign
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
    token = sign("consent", {"uid": user_id})
    return url_for("notifications.preferences", token=token, _external=True)


def render_email(notification: Notification) -> tuple[str, str, dict[str, str]]:
    """The text and HTML of a notification email, each with the consent link."""
    link = consent_link(notification.user_id)
    action_url = (
        url_for("home.index", _external=True).rstrip("/") + notification.action_path
        if notification.action_path
        else None
    )
    context = {
        "notification": notification,
        "user": notification.user,
        "consent_link": link,
        "action_url": action_url,
    }
    text = render_template("email/notification.txt", **context)
    html = render_template("email/notification.html", **context)
    return text, html, {"List-Unsubscribe": f"<{link}>"}


def take_queued(session: Session) -> list[int]:
    """The ids of the messages this session queued since it was last asked, forgetting them."""
    return session.info.pop(QUEUED, [])


def dispatch(only_ids: Sequence[int] | None = None) -> DeliveryReport:
    """Deliver pending notifications (all, or just these) with the app's backends."""
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
            attachments_for=_attachments_for_this_run(),
        )
