"""Notifications: the owner's portal inbox and delivery by email or text, each sent once."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from portal.notifications import views  # noqa: E402, F401
