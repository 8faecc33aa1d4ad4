"""Garage: the owner's vehicles, odometer readings and service history."""

from flask import Blueprint

bp = Blueprint("garage", __name__)

from portal.garage import views  # noqa: E402, F401
