"""Charity drives: the dealership and its owners giving together."""

from flask import Blueprint

bp = Blueprint("charity", __name__, url_prefix="/drives")

from portal.charity import views  # noqa: E402, F401
