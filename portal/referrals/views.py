"""Owner pages (invite a friend, my referrals) and the prospect's landing page."""

from urllib.parse import quote

import segno
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.db import write_in_own_transaction
from portal.errors import ServiceError
from portal.events import queries as event_queries
from portal.extensions import db, limiter
from portal.forms import EmptyForm
from portal.phones import normalise_phone
from portal.points.queries import referral_points
from portal.referrals import bp, services
from portal.referrals.forms import LandingForm
from portal.referrals.models import STAGE_LABELS, Stage
from portal.templating import dealership

SHARE_SUBJECT = "A car dealership I can recommend"

#: How many public events the invite page lists.
LANDING_EVENTS = 4


def _invite_link(code: str) -> str:
    """The full invite URL, on the portal's public address."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + url_for("referrals.landing", code=code)


def _qr_data_uri(link: str) -> str:
    """The link as a QR code, an SVG data URI (the CSP allows data: images)."""
    return segno.make(link, error="m").svg_data_uri(scale=6, border=2, dark="#1d2430")


@bp.route("/invite")
@login_required
def invite():
    """The owner's personal invite link: QR code, copy button and words to share it with."""
    secret = current_app.config["SECRET_KEY"]
    code = services.current_invite_code(db.session, current_user, secret) or (
        write_in_own_transaction(
            db.session, lambda: services.invite_code_for(db.session, current_user, secret)
        )
    )
    link = _invite_link(code)
    share_text = (
        f"I've been really happy with my car from {dealership()['name']}, and they look after "
        f"their owners properly. If you're thinking about a new car, here's my personal link: "
        f"{link}"
    )
    return render_template(
        "referrals/invite.html",
        link=link,
        qr=_qr_data_uri(link),
        share_text=share_text,
        mailto=f"mailto:?subject={quote(SHARE_SUBJECT)}&body={quote(share_text)}",
        form=EmptyForm(),
    )


@bp.post("/invite/regenerate")
@login_required
def regenerate_invite():
    """Replace the owner's link; the old one stops naming them."""
    if EmptyForm().validate_on_submit():
        services.regenerate_invite(
            db.session, current_user, current_app.config["SECRET_KEY"], clock.now()
        )
        db.session.commit()
        flash("Here's your new link. The old one no longer mentions you.", "success")
    return redirect(url_for("referrals.invite"), code=303)


@bp.route("/i/<code>", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["GET"])
@limiter.limit("10 per hour", methods=["POST"])
def landing(code: str):
    """A referred friend's welcome; the same page (bar the greeting) for unknown codes."""
    referrer = services.find_referrer(db.session, code)
    form = LandingForm()
    status = 200
    if form.validate_on_submit():
        try:
            phone = normalise_phone(form.phone.data, current_app.config["PORTAL_PHONE_REGION"])
            referral = services.submit_referral(
                db.session,
                referrer=referrer,
                name=form.name.data,
                email=form.email.data,
                phone=phone,
                preferred_contact=form.preferred_contact.data,
                model_of_interest=form.model_of_interest.data,
                consent_contact=form.consent_contact.data,
                now=clock.now(),
            )
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Thank you, {referral.first_name}.", "success")
            return redirect(url_for("referrals.landing_thanks", code=code), code=303)
    if form.errors:
        status = 422
    return render_template(
        "referrals/landing.html",
        form=form,
        referrer_first_name=referrer.first_name if referrer else None,
        events=event_queries.upcoming_events(db.session, None, clock.now(), None)[:LANDING_EVENTS],
    ), status


@bp.route("/i/<code>/thanks")
@limiter.limit("60 per minute")
def landing_thanks(code: str):
    """After the form: what happens next."""
    return render_template("referrals/landing_thanks.html", code=code)


@bp.route("/referrals")
@login_required
def my_referrals():
    """The friends the owner introduced, their stage and the points each earned."""
    rows = services.owner_referrals(db.session, current_user.id)
    return render_template("referrals/mine.html", rows=rows, stage_labels=STAGE_LABELS)


@bp.route("/referrals/<int:referral_id>")
@login_required
def referral_detail(referral_id: int):
    """One of the owner's referrals and the points it earned."""
    referral = services.get_owner_referral(db.session, current_user.id, referral_id)
    if referral is None:
        abort(404)
    entries = referral_points(db.session, current_user.id, referral.id)
    return render_template(
        "referrals/detail.html", referral=referral, entries=entries, stages=list(Stage)
    )
