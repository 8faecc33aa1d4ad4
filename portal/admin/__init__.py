"""The admin area: one blueprint, one module per domain, staff only."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@dataclass(frozen=True)
class AdminLink:
    """An entry in the admin navigation."""

    order: int
    label: str
    endpoint: str
    admin_only: bool = False


NAVIGATION: list[AdminLink] = []


def admin_nav(order: int, label: str, endpoint: str, admin_only: bool = False) -> None:
    """Add a section to the admin navigation."""
    NAVIGATION.append(AdminLink(order, label, endpoint, admin_only))
    NAVIGATION.sort(key=lambda link: link.order)


@bp.before_request
def require_staff():
    """Every admin URL: sign-in required, then coordinator or admin role."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_staff:
        abort(403)
    return None


@bp.context_processor
def admin_context() -> dict:
    """The admin navigation, for `admin/base.html`."""
    return {"admin_navigation": NAVIGATION}


def admin_required(view: Callable) -> Callable:
    """Restrict a view to admins (coordinators get 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True
    return wrapped


from portal.admin import (  # noqa: E402, F401
    audit_log,
    charity,
    community,
    events,
    exports,
    imports,
    owners,
    referrals,
    reminders,
    rewards,
    staff,
    views,
)
