"""The dealership's settings page: admins only."""

from datetime import time
from zoneinfo import available_timezones

from flask import current_app, flash
from flask_login import current_user

from portal.dealership import services
from portal.dealership.forms import DealershipForm
from portal.dealership.queries import dealership_profile
from portal.extensions import db
from portal.phones import normalise_phone
from portal.web import admin_bp as bp
from portal.web import admin_required, client_ip, form_page, perform, see_other


def _values(form: DealershipForm) -> dict[str, str | int]:
    """The form's values as they are stored: a checked time zone, a dialable phone, a time
    of day as "HH:MM" (left empty, the stored one stands)."""
    phone = normalise_phone(form.phone.data, current_app.config["PORTAL_PHONE_REGION"])
    reminder_time = form.event_reminder_time.data
    values = {
        "name": form.name.data.strip(),
        "timezone": services.validate_timezone(form.timezone.data),
        "phone": phone or "",
        "email": (form.email.data or "").strip().lower(),
        "address": (form.address.data or "").strip(),
    }
    if form.weekly_message_limit.data is not None:
        values["weekly_message_limit"] = form.weekly_message_limit.data
    if reminder_time is not None:
        values["event_reminder_time"] = reminder_time.strftime("%H:%M")
    if form.check_in_opens_hours.data is not None:
        values["check_in_opens_hours"] = form.check_in_opens_hours.data
    return values


def _stored() -> dict:
    """The stored settings as the form shows them (the reminder time as a time of day)."""
    values = dealership_profile(db.session)
    values["event_reminder_time"] = time.fromisoformat(values["event_reminder_time"])
    return values


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """The dealership's name, time zone and contact details."""
    form = DealershipForm(data=_stored())
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.update_dealership(
                db.session, values=_values(form), actor=current_user, ip=client_ip()
            ),
            form,
            "name",
        )
        if outcome.ok:
            flash("Settings saved." if outcome.value else "Nothing changed.", "success")
            return see_other("admin.settings")
    return form_page(
        "admin/settings/dealership.html", form, timezones=sorted(available_timezones())
    )
