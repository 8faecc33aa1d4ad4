"""Feedback: after a service visit, one short question, the owner's answer, and follow-ups."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from portal.feedback import views  # noqa: E402, F401
