"""Visits: a completed service visit, its work, advice for later, photos, clips and points."""

from flask import Blueprint

bp = Blueprint("visits", __name__)

from portal.visits import views  # noqa: E402, F401
