"""Reminders: what each owner's cars need and when, shown in the portal and sent once."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from portal.reminders import views  # noqa: E402, F401
