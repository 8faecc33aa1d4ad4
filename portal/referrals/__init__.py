"""Referrals: personal invite links, the prospect's landing page, the pipeline and tiers."""

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from portal.referrals import views  # noqa: E402, F401
