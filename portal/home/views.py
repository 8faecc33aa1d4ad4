"""The owner's home page, made of the sections each domain contributes."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from portal.home import bp
from portal.sections import render_sections


@bp.route("/")
def index():
    """Greet the owner by name and show each domain's section; visitors see the welcome."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    if current_user.is_staff:
        return redirect(url_for("admin.index"))
    # The user itself, not the proxy: every section reads it, each read through the proxy costs.
    owner = current_user._get_current_object()
    return render_template("home/index.html", owner=owner, sections=render_sections("home", owner))
