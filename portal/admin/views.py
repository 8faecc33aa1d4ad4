"""The admin area's front page."""

from flask import render_template

from portal.admin import NAVIGATION, bp


@bp.route("/")
def index():
    """The control room: every section staff can open."""
    return render_template("admin/index.html", navigation=NAVIGATION)
