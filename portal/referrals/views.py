"""Owner pages (invite a friend, my referrals) and the prospect's landing page."""

from urllib.parse import quote

import segno
from flask import current_app, flash, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.db import write_in_own_transaction
from portal.events import queries as event_queries
from portal.events.guest_views import INVITE_SESSION_KEY
from portal.extensions import db, limiter
from portal.forms import EmptyForm
from portal.links import url_pattern
from portal.phones import normalise_phone
from portal.points.queries import referral_points
from portal.referrals import bp, queries, services
from portal.referrals.forms import CONTACT_CHOICES, LandingForm
from portal.referrals.models import STAGE_LABELS, Referral, Source, Stage
from portal.referrals.prospects import chosen_source
from portal.templating import dealership
from portal.web import form_page, found_or_404, perform, see_other

SHARE_SUBJECT = "A car dealership I can recommend"

#: How many public events the invite page lists.
LANDING_EVENTS = 4


def _invite_link(code: str, src: str | None = None) -> str:
    """The full invite URL, on the portal's public address, naming the channel it goes by."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + url_for("referrals.landing", code=code, src=src)


def _share_links(code: str) -> dict[str, str]:
    """Each channel's link (its own `?src=`) and the ready-made message or URL sending it."""

    def text(src: str) -> str:
        return _share_text(_invite_link(code, src))

    return {
        "share": _invite_link(code, Source.SHARE),
        "share_text": text(Source.SHARE),
        "sms": "sms:?&body=" + quote(text(Source.SMS)),
        "whatsapp": "https://wa.me/?text=" + quote(text(Source.WHATSAPP)),
        "email": f"mailto:?subject={quote(SHARE_SUBJECT)}&body={quote(text(Source.EMAIL))}",
        "copy": _invite_link(code, Source.COPY),
    }


def _qr_data_uri(link: str) -> str:
    """The link as a QR code, an SVG data URI (the CSP allows data: images)."""
    return segno.make(link, error="m").svg_data_uri(scale=6, border=2, dark="#1d2430")


def _share_text(link: str) -> str:
    """What the owner sends a friend, in their own voice."""
    return (
        f"I've been really happy with my car from {dealership()['name']}, and they look after "
        f"their owners properly. If you're thinking about a new car, here's my personal link: "
        f"{link}"
    )


@bp.route("/invite")
@login_required
def invite():
    """The owner's personal invite link: QR code, copy button and words to share it with."""
    secret_key = current_app.config["SECRET_KEY"]
    code = services.current_invite_code(db.session, current_user, secret_key) or (
        write_in_own_transaction(
            db.session, lambda: services.invite_code_for(db.session, current_user, secret_key)
        )
    )
    links = _share_links(code)
    return render_template(
        "referrals/invite.html",
        link=links["copy"],
        qr=_qr_data_uri(_invite_link(code, Source.QR)),
        share_text=_share_text(links["copy"]),
        links=links,
        form=EmptyForm(),
    )


@bp.post("/invite/regenerate")
@login_required
def regenerate_invite():
    """Replace the owner's link; the old one stops naming them."""
    if EmptyForm().validate_on_submit():
        secret_key = current_app.config["SECRET_KEY"]
        perform(
            lambda: services.regenerate_invite(db.session, current_user, secret_key, clock.now())
        )
        flash("Here's your new link. The old one no longer mentions you.", "success")
    return see_other("referrals.invite")


def _submit(form: LandingForm, referrer) -> Referral:
    """The friend's details as the service takes them, the phone number made dialable."""
    return services.submit_referral(
        db.session,
        referrer=referrer,
        name=form.name.data,
        email=form.email.data,
        phone=normalise_phone(form.phone.data, current_app.config["PORTAL_PHONE_REGION"]),
        preferred_contact=form.preferred_contact.data,
        model_of_interest=form.model_of_interest.data,
        consent_contact=form.consent_contact.data,
        now=clock.now(),
        source=(session.get(INVITE_SESSION_KEY) or {}).get("src"),
    )


@bp.route("/i/<code>", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["GET"])
@limiter.limit("10 per hour", methods=["POST"])
def landing(code: str):
    """A referred friend's welcome; the same page (bar the greeting) for unknown codes."""
    src = chosen_source(request.args.get("src"))
    if request.method == "GET" and (src or session.get(INVITE_SESSION_KEY, {}).get("code") != code):
        session[INVITE_SESSION_KEY] = {"code": code[:200], "src": src}  # for a later RSVP
    form = LandingForm()
    if form.validate_on_submit():
        referrer = queries.find_referrer(db.session, code)
        outcome = perform(lambda: _submit(form, referrer), form, "email")
        if outcome.ok:
            flash(f"Thank you, {outcome.value.first_name}.", "success")
            return see_other("referrals.landing_thanks", code=code)
    events = event_queries.events_to_join(db.session, clock.now(), LANDING_EVENTS)
    return form_page(
        "referrals/landing.html",
        form,
        referrer_first_name=queries.referrer_first_name(db.session, code),
        events=events,
        event_url=url_pattern("events.show", "event_id") if events else None,
        contact_choices=CONTACT_CHOICES,
    )


@bp.route("/i/<code>/thanks")
@limiter.limit("60 per minute")
def landing_thanks(code: str):
    """After the form: what happens next."""
    return render_template("referrals/landing_thanks.html", code=code)


@bp.route("/referrals")
@login_required
def my_referrals():
    """The friends the owner introduced, their stage and the points each earned."""
    rows = queries.owner_referrals(db.session, current_user.id)
    return render_template("referrals/mine.html", rows=rows, stage_labels=STAGE_LABELS)


@bp.route("/referrals/<int:referral_id>")
@login_required
def referral_detail(referral_id: int):
    """One of the owner's referrals and the points it earned."""
    referral = found_or_404(queries.get_owner_referral(db.session, current_user.id, referral_id))
    entries = referral_points(db.session, current_user.id, referral.id)
    return render_template(
        "referrals/detail.html", referral=referral, entries=entries, stages=list(Stage)
    )
