"""The staff menu: one ordered list, the order staff see it in."""

from dataclasses import dataclass

from flask import current_app, request, url_for

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


def _menu_links() -> tuple[tuple[AdminLink, str], ...]:
    """Each menu entry with its URL, worked out once per app (and mount point): the menu is
    on every staff page, and its URLs never change while the app runs."""
    built = current_app.extensions.setdefault("portal_admin_menu", {})
    root = request.script_root
    if root not in built:
        built[root] = tuple((link, url_for(link.endpoint)) for link in MENU)
    return built[root]


@admin_bp.context_processor
def admin_context() -> dict:
    """The menu with its URLs, for `admin/base.html`."""
    return {"admin_navigation": _menu_links(), "admin_home": url_for("admin.index")}
