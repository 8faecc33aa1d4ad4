"""Coordinator pages for the referral pipeline and the referral settings."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    current_app,
    flash,
    render_template,
    request,
)
from flask_login import current_user

from portal import clock, web
from portal.accounts.models import AMBASSADOR_LEVEL
from portal.csvsafe import csv_response
from portal.dealership.queries import read_settings
from portal.extensions import db
from portal.referrals import pipeline_table as table
from portal.referrals import queries, services
from portal.referrals.forms import PurchaseForm, ReferralSettingsForm, StageForm
from portal.referrals.models import SOURCE_LABELS, STAGE_LABELS, Referral, Stage
from portal.referrals.rules import PLACEHOLDERS
from portal.templating import dealership

bp = web.admin_bp

#: The pipeline lists this many friends a page.
PIPELINE_PER_PAGE = 50


def _ladder() -> dict:
    """What the tier badges and priority flags on a staff page need."""
    return {"tiers": queries.load_tiers(db.session), "ambassador_level": AMBASSADOR_LEVEL}


@bp.route("/referrals")
def referrals():
    """The pipeline: every referred friend, by stage, with who referred them."""
    stage = queries.chosen_stage(request.args.get("stage"))
    sort, descending = web.sort_params(tuple(queries.REFERRAL_SORTS), "date", True)
    counts, source_counts = queries.pipeline_counts(db.session)
    # The tabs' counts are the list's length: the page needs no count of its own.
    total = counts.get(stage, 0) if stage else sum(counts.values())
    page = queries.paged_pipeline(stage, sort, descending).page_of(
        db.session, {}, web.page_number(), web.per_page(PIPELINE_PER_PAGE), total=total
    )
    links = table.pipeline_links()
    list_args = web.list_args(stage=stage)
    zone = ZoneInfo(dealership()["timezone"])
    badges = table.badges(table.referrer_levels(page.items), queries.load_tiers(db.session))
    return render_template(
        "admin/referrals/pipeline.html",
        page=page,
        body=table.table_body(page.items, links.referral, zone, badges),
        sort_heads=table.sort_heads(links.pipeline, sort, descending, list_args),
        pager=table.pager_links(links.pipeline, page, sort, descending, list_args),
        export_url=table.with_query(links.export, ("stage", stage)),
        links=links,
        stage=stage,
        counts=counts,
        source_counts=source_counts,
        source_labels=SOURCE_LABELS,
        stage_labels=STAGE_LABELS,
    )


def _detail(referral: Referral, stage_form=None, purchase_form=None):
    """The referral's page; 422 when a form sent back carries errors."""
    open_stage = referral.stage if referral.stage != Stage.PURCHASED else None
    return web.forms_page(
        "admin/referrals/detail.html",
        referral=referral,
        stage_form=stage_form or StageForm(stage=open_stage, note=referral.note),
        purchase_form=purchase_form or PurchaseForm(purchase_date=web.local_today()),
        stage_labels=STAGE_LABELS,
        **_ladder(),
    )


@bp.route("/referrals/<int:referral_id>")
def referral(referral_id: int):
    """One referral: move it along, or record the purchase."""
    return _detail(db.get_or_404(Referral, referral_id))


@dataclass(frozen=True)
class _Step:
    """A change along the pipeline as its staff page runs it: form, audit entry, messages."""

    #: The form's name on the referral's page, and the field a refusal goes next to.
    form_name: str
    field: str
    #: The audit entry: its action, the fields it records, and its words.
    action: str
    audited: tuple[str, ...]
    summary: Callable[[Referral, services.StageOutcome], str]
    #: What the coordinator reads once it is done.
    message: Callable[[Referral, services.StageOutcome], str]


def _points_note(outcome: services.StageOutcome) -> str:
    return f"; {outcome.points} points to the referrer" if outcome.points else ""


def _stage_message(referral: Referral, outcome: services.StageOutcome) -> str:
    message = f"{referral.name} is now at “{referral.stage_label}”."
    if outcome.points:
        message += f" {referral.referrer.first_name} earned {outcome.points} points."
    return message


def _purchase_message(referral: Referral, outcome: services.StageOutcome) -> str:
    message = f"Purchase recorded: {referral.name}'s {outcome.vehicle.label} is in their garage."
    if outcome.new_owner is not None:
        message += " We've emailed them a link to claim their account."
    if outcome.points:
        thanked = referral.referrer.first_name
        message += f" {thanked} earned {outcome.points} points and a thank-you."
    return message


STAGE_STEP = _Step(
    form_name="stage_form",
    field="stage",
    action="referral.stage",
    audited=("stage", "note"),
    summary=lambda referral, moved: (
        f"Moved {referral.name} to “{referral.stage_label}”{_points_note(moved)}"
    ),
    message=_stage_message,
)
PURCHASE_STEP = _Step(
    form_name="purchase_form",
    field="vin",
    action="referral.purchase",
    audited=("stage", "vin", "owner_id", "vehicle_id"),
    summary=lambda referral, sold: (
        f"Recorded {referral.name}'s purchase of a {sold.vehicle.label}{_points_note(sold)}"
    ),
    message=_purchase_message,
)


def _take_step(referral_id: int, step: _Step, form, change: Callable[[Referral], Any]):
    """Run one change to the referral, audited; its page again (422) when it is refused."""
    referral = db.get_or_404(Referral, referral_id)
    if not form.validate_on_submit():
        return _detail(referral, **{step.form_name: form})
    before = web.snapshot(referral, step.audited)
    outcome = web.perform(
        lambda: change(referral),
        form,
        step.field,
        then=lambda done: web.audit(
            step.action,
            "referral",
            referral.id,
            step.summary(referral, done),
            before=before,
            after=web.snapshot(referral, step.audited),
        ),
    )
    if not outcome.ok:
        return _detail(referral, **{step.form_name: form})
    flash(step.message(referral, outcome.value), "success")
    return web.see_other("admin.referral", referral_id=referral.id)


@bp.post("/referrals/<int:referral_id>/stage")
def referral_stage(referral_id: int):
    """Move a referral to another stage (points as configured, once per stage)."""
    form = StageForm()
    return _take_step(
        referral_id,
        STAGE_STEP,
        form,
        lambda referral: services.record_stage(
            db.session,
            referral=referral,
            stage=Stage(form.stage.data),
            note=form.note.data,
            now=clock.now(),
        ),
    )


@bp.post("/referrals/<int:referral_id>/purchase")
def referral_purchase(referral_id: int):
    """Record the purchase: the friend's account and car, the referrer's points and thanks."""
    form = PurchaseForm()
    return _take_step(
        referral_id,
        PURCHASE_STEP,
        form,
        lambda referral: services.record_purchase(
            db.session,
            referral=referral,
            vin=form.vin.data,
            make=form.make.data,
            model=form.model.data,
            year=form.year.data,
            purchase_date=form.purchase_date.data,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            now=clock.now(),
            invite_new_owner=True,
        ),
    )


#: The settings page's fields and the keys they are stored under (tiers are lists, below).
SETTING_FIELDS = {
    "points_contacted": "referrals.points_contacted",
    "points_test_drive": "referrals.points_test_drive",
    "points_purchased": "referrals.points_purchased",
    "points_event_attendance": "referrals.points_event_attendance",
    "points_per_visit": "visits.points_per_visit",
    "points_per_dollar": "visits.points_per_dollar",
    "thank_you_subject": "rewards.thank_you_subject",
    "thank_you_template": "rewards.thank_you_template",
    "thank_you_manager_name": "rewards.thank_you_manager_name",
}
TIER_LEVELS = range(4)


def _settings_form() -> ReferralSettingsForm:
    """The form, filled with what is stored (or each setting's default)."""
    values = read_settings(db.session, services.SETTINGS_DEFAULTS)
    names, thresholds = values["referrals.tier_names"], values["referrals.tier_thresholds"]
    return ReferralSettingsForm(
        data={field: values[key] for field, key in SETTING_FIELDS.items()}
        | {f"tier_{n}_name": name for n, name in enumerate(names)}
        | {f"tier_{n}_threshold": needed for n, needed in enumerate(thresholds)}
    )


def _settings_values(form: ReferralSettingsForm) -> dict:
    """The form's values under their setting keys; the first tier always needs nothing."""
    values = {key: form[field].data for field, key in SETTING_FIELDS.items()}
    values["referrals.tier_names"] = [form[f"tier_{n}_name"].data.strip() for n in TIER_LEVELS]
    values["referrals.tier_thresholds"] = [0] + [
        form[f"tier_{n}_threshold"].data for n in TIER_LEVELS[1:]
    ]
    return values


@bp.route("/referrals/settings", methods=["GET", "POST"])
@web.admin_required
def referral_settings():
    """Points per stage, the tier ladder and the thank-you letter."""
    form = _settings_form()
    if form.validate_on_submit():
        outcome = web.perform(
            lambda: services.save_referral_settings(db.session, _settings_values(form)),
            form,
            then=lambda changes: web.audit_settings(
                "referrals", changes, services.SETTINGS_DEFAULTS
            ),
        )
        if outcome.ok:
            flash("Referral settings saved.", "success")
            return web.see_other("admin.referral_settings")
    return web.form_page(
        "admin/referrals/settings.html", form, placeholders=PLACEHOLDERS, editor=current_user
    )


def owner_referrals(owner) -> dict:
    """The friends an owner referred, by stage, with their tier (two queries)."""
    friends = queries.owner_referrals(db.session, owner.id)
    return {
        "friends": friends,
        "purchases": sum(1 for referral, _ in friends if referral.stage == Stage.PURCHASED),
        "stage_labels": STAGE_LABELS,
        **_ladder(),
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


def _export_row(referral: Referral, referrer_name: str | None, referrer_email: str | None):
    return (
        referral.id,
        referral.name,
        referral.email,
        referral.phone,
        referral.preferred_contact,
        referral.model_of_interest,
        STAGE_LABELS[Stage(referral.stage)],
        web.export_moment(referral.stage_changed_at),
        web.export_moment(referral.created_at),
        referrer_name,
        referrer_email,
        referral.vin,
        referral.note,
    )


@bp.route("/referrals/export.csv")
def export_referrals():
    """The referral pipeline (optionally one stage), newest move first."""
    stage = queries.chosen_stage(request.args.get("stage"))
    rows = (_export_row(*row) for row in web.export_rows(queries.referrals_export(stage)))
    name = f"referrals-{stage}" if stage else "referrals"
    return csv_response(web.export_filename(name), REFERRAL_EXPORT_HEADER, rows)
