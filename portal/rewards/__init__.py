"""Rewards: the points ledger, the catalogue, redemptions and the ambassadors' wall."""

from flask import Blueprint

bp = Blueprint("rewards", __name__)

from portal.rewards import views  # noqa: E402, F401
