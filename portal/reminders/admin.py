"""Staff pages for reminders: settings, campaigns, the notification log, visit requests."""

import calendar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, joinedload

from portal import clock
from portal.accounts.models import User
from portal.dealership.services import write_settings
from portal.extensions import db
from portal.forms import EmptyForm
from portal.notifications import queries as notification_queries
from portal.notifications import services as notification_services
from portal.notifications.dispatch import dispatch
from portal.notifications.models import DeliveryStatus, Notification
from portal.reminders import queries as services
from portal.reminders.admin_forms import (
    RecallCampaignForm,
    ReminderSettingsForm,
    SeasonalCampaignForm,
)
from portal.reminders.models import (
    RecallCampaign,
    SeasonalCampaign,
    ServiceVisitRequest,
    VisitStatus,
)
from portal.reminders.rules import DEFAULTS
from portal.web import admin_bp as bp
from portal.web import (
    admin_required,
    audit,
    audit_settings,
    list_args,
    ordering,
    page_number,
    per_page,
    snapshot,
    sort_params,
)

#: Columns the visit requests sort by: when asked (oldest first), preferred day, owner, status.
VISIT_SORTS = {
    "date": ServiceVisitRequest.created_at,
    "day": ServiceVisitRequest.preferred_day,
    "owner": func.lower(User.name),
    "status": ServiceVisitRequest.status,
}
#: Columns the notification log sorts by (newest first by default).
NOTIFICATION_SORTS = {
    "date": Notification.created_at,
    "status": Notification.status,
    "kind": Notification.kind,
}


@bp.route("/reminders/settings", methods=["GET", "POST"])
@admin_required
def reminder_settings():
    """Edit the numbers the reminder rules use."""
    current = services.reminder_settings(db.session)
    form = ReminderSettingsForm(obj=current)
    if form.validate_on_submit():
        values = {f"reminders.{name}": form[name].data for name in _setting_names()}
        changes = write_settings(db.session, values)
        audit_settings("reminders", changes, DEFAULTS)
        db.session.commit()
        flash(
            f"Saved {len(changes)} change{'s' if len(changes) != 1 else ''} to the reminder rules."
            if changes
            else "Nothing changed.",
            "success",
        )
        return redirect(url_for("admin.reminder_settings"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/reminders/settings.html", form=form), status


def _setting_names() -> list[str]:
    return [key.removeprefix("reminders.") for key in DEFAULTS]


@bp.route("/reminders/campaigns")
@admin_required
def reminder_campaigns():
    """Seasonal and recall campaigns, each with how many cars it covers today."""
    seasonal = db.session.scalars(select(SeasonalCampaign).order_by(SeasonalCampaign.id)).all()
    recalls = db.session.scalars(select(RecallCampaign).order_by(RecallCampaign.id)).all()
    return render_template(
        "admin/reminders/campaigns.html",
        seasonal=[(c, services.seasonal_preview_count(db.session, c.make)) for c in seasonal],
        recalls=[(c, services.recall_preview_count(db.session, c)) for c in recalls],
        month_name=lambda number: calendar.month_abbr[number],
    )


def _campaign_form_page(model, form_class, template: str, campaign_id: int | None):
    campaign = db.session.get(model, campaign_id) if campaign_id else None
    if campaign_id and campaign is None:
        abort(404)
    form = form_class(obj=campaign)
    preview = None
    fields = [name for name in form.data if name != "id" and hasattr(model, name)]
    before = snapshot(campaign, fields) if campaign else None
    if form.validate_on_submit():
        draft = campaign or model()
        form.populate_obj(draft)
        _tidy(draft)
        error = _duplicate_code(draft) if isinstance(draft, RecallCampaign) else None
        if error:
            form.code.errors.append(error)
        elif "preview" in request.form:
            preview = _preview_count(draft)
            db.session.rollback()  # a preview changes nothing
        else:
            db.session.add(draft)
            db.session.flush()
            audit(
                f"{draft.__tablename__.removesuffix('s')}.{'update' if before else 'create'}",
                draft.__tablename__.removesuffix("s"),
                draft.id,
                f"{'Changed' if before else 'Created'} the campaign “{_title(draft)}”",
                before=before,
                after=snapshot(draft, fields),
            )
            db.session.commit()
            flash(f"Saved “{_title(draft)}”: it covers {_preview_count(draft)} cars.", "success")
            return redirect(url_for("admin.reminder_campaigns"), code=303)
    status = 422 if form.errors else 200
    return render_template(template, form=form, campaign=campaign, preview=preview), status


def _tidy(campaign) -> None:
    campaign.make = (campaign.make or "").strip() or (
        None if isinstance(campaign, SeasonalCampaign) else ""
    )
    if isinstance(campaign, RecallCampaign):
        campaign.code = campaign.code.strip().upper()
        campaign.model = campaign.model.strip()


def _duplicate_code(campaign: RecallCampaign) -> str | None:
    with db.session.no_autoflush:
        other = db.session.scalar(
            select(RecallCampaign.id).where(
                RecallCampaign.code == campaign.code, RecallCampaign.id != (campaign.id or 0)
            )
        )
    return "Another recall already has this code." if other else None


def _preview_count(campaign) -> int:
    with db.session.no_autoflush:
        if isinstance(campaign, RecallCampaign):
            return services.recall_preview_count(db.session, campaign)
        return services.seasonal_preview_count(db.session, campaign.make)


def _title(campaign) -> str:
    return campaign.name if isinstance(campaign, SeasonalCampaign) else campaign.code


@bp.route("/reminders/seasonal/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/reminders/seasonal/<int:campaign_id>", methods=["GET", "POST"])
@admin_required
def seasonal_campaign(campaign_id: int | None):
    """Create or edit a seasonal campaign, with a preview of how many cars it covers."""
    return _campaign_form_page(
        SeasonalCampaign, SeasonalCampaignForm, "admin/reminders/seasonal_form.html", campaign_id
    )


@bp.route("/reminders/recalls/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/reminders/recalls/<int:campaign_id>", methods=["GET", "POST"])
@admin_required
def recall_campaign(campaign_id: int | None):
    """Create or edit a recall campaign, with a preview of how many cars it covers."""
    return _campaign_form_page(
        RecallCampaign, RecallCampaignForm, "admin/reminders/recall_form.html", campaign_id
    )


@bp.route("/notifications")
def notification_log():
    """Every message sent or queued, failures with their error and a retry button."""
    status = request.args.get("status") or None
    if status and status not in set(DeliveryStatus):
        status = None
    sort, descending = sort_params(tuple(NOTIFICATION_SORTS), "date", True)
    query = (
        notification_queries.delivery_log_query(status=status)
        .options(joinedload(Notification.user))
        .order_by(None)
        .order_by(*ordering(NOTIFICATION_SORTS, sort, descending, Notification.id.desc()))
    )
    page = db.paginate(query, page=page_number(), per_page=per_page(50), error_out=False)
    return render_template(
        "admin/reminders/notifications.html",
        page=page,
        status=status,
        counts=notification_queries.status_counts(db.session),
        statuses=list(DeliveryStatus),
        max_attempts=notification_services.MAX_ATTEMPTS,
        form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=list_args(status=status),
    )


@bp.post("/notifications/<int:notification_id>/retry")
def retry_notification(notification_id: int):
    """Send a failed message again now; it stays queued for `notify run` if it fails again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not notification_services.retry_failed(db.session, notification_id):
        db.session.rollback()
        flash("That message is not waiting for a retry any more.", "info")
    else:
        audit(
            "notification.retry",
            "notification",
            notification_id,
            "Sent a failed message again",
            before={"status": DeliveryStatus.FAILED.value},
            after={"status": DeliveryStatus.PENDING.value},
        )
        db.session.commit()
        report = dispatch([notification_id])
        if report.sent:
            flash("Sent.", "success")
        else:
            flash("It failed again; the error is in the log and it stays queued.", "error")
    return redirect(url_for("admin.notification_log", status=request.args.get("status")), code=303)


@bp.route("/visit-requests")
def visit_requests():
    """Owners asking for a service visit; open ones first, oldest first."""
    show = "all" if request.args.get("show") == "all" else "open"
    sort, descending = sort_params(tuple(VISIT_SORTS), "date")
    query = (
        select(ServiceVisitRequest)
        .join(ServiceVisitRequest.user)
        .options(
            contains_eager(ServiceVisitRequest.user),
            joinedload(ServiceVisitRequest.vehicle),
            joinedload(ServiceVisitRequest.handled_by),
        )
        .order_by(*ordering(VISIT_SORTS, sort, descending, ServiceVisitRequest.id))
    )
    if show != "all":
        query = query.where(ServiceVisitRequest.status == VisitStatus.OPEN)
    page = db.paginate(query, page=page_number(), per_page=per_page(50), error_out=False)
    open_count = db.session.scalar(
        select(func.count())
        .select_from(ServiceVisitRequest)
        .where(ServiceVisitRequest.status == VisitStatus.OPEN)
    )
    return render_template(
        "admin/reminders/visits.html",
        page=page,
        show=show,
        open_count=open_count,
        form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=list_args(show=show if show == "all" else None),
    )


@bp.post("/visit-requests/<int:request_id>/handled")
def handle_visit_request(request_id: int):
    """Mark a request handled (the team called the owner back and booked it)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    changed = db.session.execute(
        update(ServiceVisitRequest)
        .where(ServiceVisitRequest.id == request_id, ServiceVisitRequest.status == VisitStatus.OPEN)
        .values(status=VisitStatus.HANDLED, handled_at=clock.now(), handled_by_id=current_user.id)
    ).rowcount
    if changed:
        audit(
            "visit_request.handle",
            "visit_request",
            request_id,
            "Marked a service visit request handled",
            before={"status": VisitStatus.OPEN.value},
            after={"status": VisitStatus.HANDLED.value},
        )
    db.session.commit()
    flash("Marked handled." if changed else "Someone had already handled it.", "success")
    return redirect(url_for("admin.visit_requests"), code=303)
