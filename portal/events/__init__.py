"""Events: clinics, launches and meets; RSVPs with waitlists, tickets and calendars."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from portal.events import registration, views  # noqa: E402, F401
