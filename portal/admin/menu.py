"""The staff menu: one ordered list, the order staff see it in."""

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from portal.web import admin_bp


@dataclass(frozen=True)
class AdminLink:
    """An entry in the staff menu; `admin_only` hides it from coordinators."""

    label: str
    endpoint: str
    admin_only: bool = False


MENU: tuple[AdminLink, ...] = (
    AdminLink("Owners", "admin.owners"),
    AdminLink("Events", "admin.events_index"),
    AdminLink("Import owners", "admin.imports", admin_only=True),
    AdminLink("Referrals", "admin.referrals"),
    AdminLink("Service lane", "admin.service_lane"),
    AdminLink("Service visit requests", "admin.visit_requests"),
    AdminLink("Follow-ups", "admin.follow_ups"),
    AdminLink("Complete a visit", "admin.visits"),
    AdminLink("Notification log", "admin.notification_log"),
    AdminLink("Reminder campaigns", "admin.reminder_campaigns", admin_only=True),
    AdminLink("Reminder settings", "admin.reminder_settings", admin_only=True),
    AdminLink("Service lane capacity", "admin.service_capacity", admin_only=True),
    AdminLink("Service lane settings", "admin.service_settings", admin_only=True),
    AdminLink("Referral settings", "admin.referral_settings", admin_only=True),
    AdminLink("Rewards catalogue", "admin.rewards"),
    AdminLink("Redemptions", "admin.redemptions"),
    AdminLink("Charity drives", "admin.charity_drives"),
    AdminLink("Announcements", "admin.announcements"),
    AdminLink("Staff", "admin.staff", admin_only=True),
    AdminLink("Dealership settings", "admin.settings", admin_only=True),
    AdminLink("Audit log", "admin.audit_log", admin_only=True),
)


#: Where the app keeps the menus it has rendered (`app.extensions[...]`).
_KEPT = "portal.admin_menus"


def admin_menu() -> Markup:
    """The staff menu's links for this page, rendered once per process and kept.

    A menu differs only by who looks (admins see more), the page it is on (marked
    `aria-current`) and where the app is mounted; its URLs never change while the app runs.
    So there is one per kind of staff and page, a few hundred short strings at most
    (templates that reload, in development, are rendered afresh each time).
    """
    app = current_app._get_current_object()
    key = (request.script_root, current_user.is_admin, request.endpoint)
    kept = app.extensions.setdefault(_KEPT, {})
    menu = kept.get(key)
    if menu is None:
        menu = _render_menu(app, is_admin=key[1], current=key[2])
        if not app.jinja_env.auto_reload:
            kept[key] = menu
    return menu


def _render_menu(app: Flask, is_admin: bool, current: str | None) -> Markup:
    links = [(link, url_for(link.endpoint)) for link in MENU if is_admin or not link.admin_only]
    html = app.jinja_env.get_template("admin/_menu.html").render(
        home=url_for("admin.index"), links=links, current=current
    )
    return Markup(html.strip())  # noqa: S704 - rendered by an autoescaping template


@admin_bp.context_processor
def admin_context() -> dict:
    """The staff menu, for `admin/base.html` (rendered when the page shows it)."""
    return {"admin_menu": admin_menu}
