"""Coordinator pages for the referral pipeline and the referral settings."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.accounts.invitations import queue_claim_invitation
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.csvsafe import csv_response
from portal.dealership.queries import dealership_profile, read_settings
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.dispatch import dispatch
from portal.points.rules import POINTS_DEFAULTS
from portal.referrals import queries, services
from portal.referrals.forms import PurchaseForm, ReferralSettingsForm, StageForm
from portal.referrals.models import STAGE_LABELS, Referral, Stage
from portal.referrals.queries import load_tiers
from portal.referrals.rules import PLACEHOLDERS, THANKS_DEFAULTS, TIER_DEFAULTS, check_template
from portal.web import admin_bp as bp
from portal.web import (
    admin_required,
    audit,
    audit_settings,
    export_filename,
    export_moment,
    export_rows,
    list_args,
    local_today,
    ordering,
    page_number,
    per_page,
    snapshot,
    sort_params,
)

#: Columns the pipeline sorts by: last move, friend's name, stage, date referred.
REFERRAL_SORTS = {
    "date": Referral.stage_changed_at,
    "name": func.lower(Referral.name),
    "stage": Referral.stage,
    "referred": Referral.created_at,
}


@bp.route("/referrals")
def referrals():
    """The pipeline: every referred friend, by stage, with who referred them."""
    stage = request.args.get("stage")
    query = select(Referral).options(joinedload(Referral.referrer))
    if stage in {s.value for s in Stage}:
        query = query.where(Referral.stage == stage)
    else:
        stage = None
    sort, descending = sort_params(tuple(REFERRAL_SORTS), "date", True)
    page = db.paginate(
        query.order_by(*ordering(REFERRAL_SORTS, sort, descending, Referral.id.desc())),
        page=page_number(),
        per_page=per_page(50),
        error_out=False,
    )
    counts = dict(
        db.session.execute(select(Referral.stage, func.count()).group_by(Referral.stage)).all()
    )
    return render_template(
        "admin/referrals/pipeline.html",
        page=page,
        stage=stage,
        counts=counts,
        stage_labels=STAGE_LABELS,
        tiers=load_tiers(db.session),
        ambassador_level=AMBASSADOR_LEVEL,
        sort=sort,
        descending=descending,
        list_args=list_args(stage=stage),
    )


def _get_referral(referral_id: int) -> Referral:
    return db.get_or_404(Referral, referral_id)


def _detail(referral: Referral, stage_form=None, purchase_form=None, status: int = 200):
    stage_form = stage_form or StageForm(
        stage=referral.stage if referral.stage != Stage.PURCHASED else None, note=referral.note
    )
    purchase_form = purchase_form or PurchaseForm(purchase_date=local_today())
    return render_template(
        "admin/referrals/detail.html",
        referral=referral,
        stage_form=stage_form,
        purchase_form=purchase_form,
        stage_labels=STAGE_LABELS,
        tiers=load_tiers(db.session),
        ambassador_level=AMBASSADOR_LEVEL,
    ), status


@bp.route("/referrals/<int:referral_id>")
def referral(referral_id: int):
    """One referral: move it along, or record the purchase."""
    return _detail(_get_referral(referral_id))


@bp.post("/referrals/<int:referral_id>/stage")
def referral_stage(referral_id: int):
    """Move a referral to another stage (points as configured, once per stage)."""
    referral = _get_referral(referral_id)
    form = StageForm()
    if not form.validate_on_submit():
        return _detail(referral, stage_form=form, status=422)
    before = snapshot(referral, ("stage", "note"))
    try:
        outcome = services.move_stage(
            db.session, referral=referral, stage=Stage(form.stage.data), now=clock.now()
        )
    except ServiceError as error:
        db.session.rollback()
        form.stage.errors.append(error.message)
        return _detail(_get_referral(referral_id), stage_form=form, status=422)
    referral.note = (form.note.data or "").strip() or None
    audit(
        "referral.stage",
        "referral",
        referral.id,
        f"Moved {referral.name} to “{referral.stage_label}”"
        + (f"; {outcome.points} points to the referrer" if outcome.points else ""),
        before=before,
        after=snapshot(referral, ("stage", "note")),
    )
    db.session.commit()
    message = f"{referral.name} is now at “{referral.stage_label}”."
    if outcome.points:
        message += f" {referral.referrer.first_name} earned {outcome.points} points."
    flash(message, "success")
    return redirect(url_for("admin.referral", referral_id=referral.id), code=303)


@bp.post("/referrals/<int:referral_id>/purchase")
def referral_purchase(referral_id: int):
    """Record the purchase: the friend's account and car, the referrer's points and thanks."""
    referral = _get_referral(referral_id)
    form = PurchaseForm()
    if not form.validate_on_submit():
        return _detail(referral, purchase_form=form, status=422)
    before = snapshot(referral, ("stage", "vin", "owner_id", "vehicle_id"))
    try:
        outcome = services.record_purchase(
            db.session,
            referral=referral,
            vin=form.vin.data,
            make=form.make.data,
            model=form.model.data,
            year=form.year.data,
            purchase_date=form.purchase_date.data,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            now=clock.now(),
        )
    except ServiceError as error:
        db.session.rollback()
        getattr(form, error.field or "vin").errors.append(error.message)
        return _detail(_get_referral(referral_id), purchase_form=form, status=422)
    notification_ids = list(outcome.notification_ids)
    if outcome.new_owner is not None:
        notification_ids.append(
            queue_claim_invitation(
                db.session,
                outcome.new_owner,
                cars=[outcome.vehicle.label],
                reason=f"Congratulations on your {outcome.vehicle.label}.",
                dealership_name=dealership_profile(db.session)["name"],
                now=clock.now(),
            )
        )
    audit(
        "referral.purchase",
        "referral",
        referral.id,
        f"Recorded {referral.name}'s purchase of a {outcome.vehicle.label}"
        + (f"; {outcome.points} points to the referrer" if outcome.points else ""),
        before=before,
        after=snapshot(referral, ("stage", "vin", "owner_id", "vehicle_id")),
    )
    db.session.commit()
    dispatch([notification_id for notification_id in notification_ids if notification_id])
    message = f"Purchase recorded: {referral.name}'s {outcome.vehicle.label} is in their garage."
    if outcome.new_owner is not None:
        message += " We've emailed them a link to claim their account."
    if outcome.points:
        thanked = referral.referrer.first_name
        message += f" {thanked} earned {outcome.points} points and a thank-you."
    flash(message, "success")
    return redirect(url_for("admin.referral", referral_id=referral.id), code=303)


SETTING_FIELDS = {
    "points_contacted": "referrals.points_contacted",
    "points_test_drive": "referrals.points_test_drive",
    "points_purchased": "referrals.points_purchased",
    "points_event_attendance": "referrals.points_event_attendance",
    "thank_you_subject": "rewards.thank_you_subject",
    "thank_you_template": "rewards.thank_you_template",
    "thank_you_manager_name": "rewards.thank_you_manager_name",
}


@bp.route("/referrals/settings", methods=["GET", "POST"])
@admin_required
def referral_settings():
    """Points per stage, the tier ladder and the thank-you letter."""
    values = read_settings(db.session, POINTS_DEFAULTS | TIER_DEFAULTS | THANKS_DEFAULTS)
    form = ReferralSettingsForm(
        data={field: values[key] for field, key in SETTING_FIELDS.items()}
        | {f"tier_{n}_name": name for n, name in enumerate(values["referrals.tier_names"])}
        | {
            f"tier_{n}_threshold": needed
            for n, needed in enumerate(values["referrals.tier_thresholds"])
        }
    )
    if form.validate_on_submit():
        thresholds = [
            0,
            form.tier_1_threshold.data,
            form.tier_2_threshold.data,
            form.tier_3_threshold.data,
        ]
        try:
            check_template(form.thank_you_subject.data)
            check_template(form.thank_you_template.data)
            if thresholds != sorted(set(thresholds)):
                raise ServiceError("Each tier needs more purchases than the one before.")
        except ServiceError as error:
            target = form.thank_you_template if error.field == "template" else form.tier_3_threshold
            target.errors.append(error.message)
        else:
            new_values = {key: getattr(form, field).data for field, key in SETTING_FIELDS.items()}
            new_values["referrals.tier_names"] = [
                getattr(form, f"tier_{n}_name").data.strip() for n in range(4)
            ]
            new_values["referrals.tier_thresholds"] = thresholds
            audit_settings(
                "referrals",
                write_settings(db.session, new_values),
                POINTS_DEFAULTS | TIER_DEFAULTS | THANKS_DEFAULTS,
            )
            db.session.commit()
            flash("Referral settings saved.", "success")
            return redirect(url_for("admin.referral_settings"), code=303)
    return render_template(
        "admin/referrals/settings.html",
        form=form,
        placeholders=PLACEHOLDERS,
        editor=current_user,
    ), 422 if form.errors else 200


def owner_referrals(owner) -> dict:
    """The friends an owner referred, by stage, with their tier (two queries)."""
    friends = queries.owner_referrals(db.session, owner.id)
    return {
        "friends": friends,
        "purchases": sum(1 for referral, _ in friends if referral.stage == Stage.PURCHASED),
        "tiers": load_tiers(db.session),
        "ambassador_level": AMBASSADOR_LEVEL,
        "stage_labels": STAGE_LABELS,
    }


#: The referral pipeline's CSV columns.
REFERRAL_EXPORT_HEADER = (
    "id",
    "name",
    "email",
    "phone",
    "prefers",
    "interested in",
    "stage",
    "stage since",
    "referred on",
    "referred by",
    "referrer email",
    "vin sold",
    "note",
)


@bp.route("/referrals/export.csv")
def export_referrals():
    """The referral pipeline (optionally one stage), newest move first."""
    stage = request.args.get("stage")
    statement = queries.referrals_export(stage)

    def rows():
        for referral, referrer_name, referrer_email in export_rows(statement):
            yield (
                referral.id,
                referral.name,
                referral.email,
                referral.phone,
                referral.preferred_contact,
                referral.model_of_interest,
                STAGE_LABELS[Stage(referral.stage)],
                export_moment(referral.stage_changed_at),
                export_moment(referral.created_at),
                referrer_name,
                referrer_email,
                referral.vin,
                referral.note,
            )

    name = f"referrals-{stage}" if stage in queries.STAGE_VALUES else "referrals"
    return csv_response(export_filename(name), REFERRAL_EXPORT_HEADER, rows())
