"""The owners' community page: announcements, open drives and what other domains add."""

from flask import Blueprint

bp = Blueprint("community", __name__)

from portal.community import views  # noqa: E402, F401
