"""Events: clinics, launches and meets; RSVPs with waitlists, tickets and calendars."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from portal.events import calendar_views, guest_views, registration, views  # noqa: E402, F401
from portal.events.guest_mail import install_guest_mail  # noqa: E402

bp.record_once(lambda state: install_guest_mail())
