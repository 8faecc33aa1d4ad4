"""The service lane: its capacity, the slots owners book, and the bookings staff run."""

from flask import Blueprint

bp = Blueprint("servicelane", __name__)

from portal.servicelane import views  # noqa: E402, F401
