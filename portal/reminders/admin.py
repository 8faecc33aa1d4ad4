"""Staff pages for reminders: settings, campaigns, the notification log, visit requests."""

from flask import abort, flash, render_template, request
from flask_login import current_user

from portal import clock, web
from portal.extensions import db
from portal.forms import EmptyForm
from portal.notifications.models import DeliveryStatus
from portal.notifications.queries import status_counts
from portal.notifications.services import MAX_ATTEMPTS
from portal.reminders import services
from portal.reminders.forms import RecallCampaignForm, ReminderSettingsForm, SeasonalCampaignForm
from portal.reminders.models import RecallCampaign, SeasonalCampaign, VisitStatus
from portal.reminders.queries import pages as queries
from portal.reminders.queries.fleet import reminder_settings as current_settings
from portal.reminders.rules import DEFAULTS

bp = web.admin_bp


def _saved_changes(count: int) -> str:
    if not count:
        return "Nothing changed."
    return f"Saved {count} change{'s' if count != 1 else ''} to the reminder rules."


@bp.route("/reminders/settings", methods=["GET", "POST"])
@web.admin_required
def reminder_settings():
    """Edit the numbers the reminder rules use."""
    form = ReminderSettingsForm(obj=current_settings(db.session))
    if form.validate_on_submit():
        values = {key: form[key.removeprefix("reminders.")].data for key in DEFAULTS}
        outcome = web.perform(
            lambda: services.save_reminder_settings(db.session, values),
            form,
            then=lambda changes: web.audit_settings("reminders", changes, DEFAULTS),
        )
        if outcome.ok:
            flash(_saved_changes(len(outcome.value)), "success")
            return web.see_other("admin.reminder_settings")
    return web.form_page("admin/reminders/settings.html", form)


@bp.route("/reminders/campaigns")
@web.admin_required
def reminder_campaigns():
    """Seasonal and recall campaigns: the cars each covers, and whether it runs today."""
    seasonal, recalls = queries.campaign_overview(db.session, web.local_today())
    return render_template(
        "admin/reminders/campaigns.html",
        seasonal=seasonal,
        recalls=recalls,
    )


def _title(campaign) -> str:
    return campaign.name if isinstance(campaign, SeasonalCampaign) else campaign.code


def _audit_campaign(campaign, fields: list[str], before: dict | None) -> None:
    """The entry for a created or changed campaign (`seasonal_campaign.update`...)."""
    entity = campaign.__tablename__.removesuffix("s")
    web.audit(
        f"{entity}.{'update' if before else 'create'}",
        entity,
        campaign.id,
        f"{'Changed' if before else 'Created'} the campaign “{_title(campaign)}”",
        before=before,
        after=web.snapshot(campaign, fields),
    )


def _preview(model, form, campaign) -> int | None:
    """How many cars the campaign as typed would cover; a copy is counted, nothing saved."""
    draft = model(id=campaign.id if campaign else None)
    form.populate_obj(draft)
    return web.perform(lambda: services.preview_campaign(db.session, draft), form).value


def _saved(model, form, campaign, fields: list[str]) -> bool:
    """Save the campaign as typed, with its audit entry; say how many cars it covers."""
    before = web.snapshot(campaign, fields) if campaign else None
    draft = campaign or model()
    form.populate_obj(draft)
    outcome = web.perform(
        lambda: services.save_campaign(db.session, draft),
        form,
        then=lambda _: _audit_campaign(draft, fields, before),
    )
    if outcome.ok:
        flash(f"Saved “{_title(draft)}”: it covers {outcome.value} cars.", "success")
    return outcome.ok


def _campaign_form_page(model, form_class, template: str, campaign_id: int | None):
    """Create or edit a campaign; "preview" counts the cars it would cover and saves nothing."""
    campaign = db.get_or_404(model, campaign_id) if campaign_id else None
    form, preview = form_class(obj=campaign), None
    fields = [name for name in form.data if name != "id" and hasattr(model, name)]
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = _preview(model, form, campaign)
        elif _saved(model, form, campaign, fields):
            return web.see_other("admin.reminder_campaigns")
    return web.form_page(template, form, campaign=campaign, preview=preview)


@bp.route("/reminders/seasonal/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/reminders/seasonal/<int:campaign_id>", methods=["GET", "POST"])
@web.admin_required
def seasonal_campaign(campaign_id: int | None):
    """Create or edit a seasonal campaign, with a preview of how many cars it covers."""
    return _campaign_form_page(
        SeasonalCampaign, SeasonalCampaignForm, "admin/reminders/seasonal_form.html", campaign_id
    )


@bp.route("/reminders/recalls/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/reminders/recalls/<int:campaign_id>", methods=["GET", "POST"])
@web.admin_required
def recall_campaign(campaign_id: int | None):
    """Create or edit a recall campaign, with a preview of how many cars it covers."""
    return _campaign_form_page(
        RecallCampaign, RecallCampaignForm, "admin/reminders/recall_form.html", campaign_id
    )


@bp.route("/notifications")
def notification_log():
    """Every message sent or queued, failures with their error and a retry button."""
    status = request.args.get("status") or None
    if status not in set(DeliveryStatus):
        status = None
    sort, descending = web.sort_params(tuple(queries.NOTIFICATION_SORTS), "date", True)
    return render_template(
        "admin/reminders/notifications.html",
        page=web.paginate(queries.notification_log(status, sort, descending), per=web.per_page(50)),
        status=status,
        counts=status_counts(db.session),
        statuses=list(DeliveryStatus),
        max_attempts=MAX_ATTEMPTS,
        form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=web.list_args(status=status),
    )


def _audit_moved(action: str, entity_id: int, summary: str, before: str, after: str) -> None:
    """The entry for a row whose status a member of staff moved on (`notification.retry`...)."""
    entity = action.split(".")[0]
    web.audit(
        action, entity, entity_id, summary, before={"status": before}, after={"status": after}
    )


@bp.post("/notifications/<int:notification_id>/retry")
def retry_notification(notification_id: int):
    """Send a failed message again now; it stays queued for `notify run` if it fails again."""
    _valid_or_400()
    outcome = web.perform(
        lambda: services.retry_notification(db.session, notification_id),
        then=lambda retried: (
            retried
            and _audit_moved(
                "notification.retry",
                notification_id,
                "Sent a failed message again",
                DeliveryStatus.FAILED.value,
                DeliveryStatus.PENDING.value,
            )
        ),
    )
    if not outcome.value:
        flash("That message is not waiting for a retry any more.", "info")
    elif queries.was_sent(db.session, notification_id):
        flash("Sent.", "success")
    else:
        flash("It failed again; the error is in the log and it stays queued.", "error")
    return web.see_other("admin.notification_log", status=request.args.get("status"))


@bp.route("/visit-requests")
def visit_requests():
    """Owners asking for a service visit; open ones first, oldest first."""
    show = "all" if request.args.get("show") == "all" else "open"
    sort, descending = web.sort_params(tuple(queries.VISIT_SORTS), "date")
    requests = queries.visit_request_list(show != "all", sort, descending)
    return render_template(
        "admin/reminders/visits.html",
        page=web.paginate(requests, per=web.per_page(50)),
        show=show,
        open_count=queries.open_visit_count(db.session),
        form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=web.list_args(show=show if show == "all" else None),
    )


@bp.post("/visit-requests/<int:request_id>/handled")
def handle_visit_request(request_id: int):
    """Mark a request handled (the team called the owner back and booked it)."""
    _valid_or_400()
    outcome = web.perform(
        lambda: services.mark_visit_handled(db.session, request_id, current_user, clock.now()),
        then=lambda changed: (
            changed
            and _audit_moved(
                "visit_request.handle",
                request_id,
                "Marked a service visit request handled",
                VisitStatus.OPEN.value,
                VisitStatus.HANDLED.value,
            )
        ),
    )
    flash("Marked handled." if outcome.value else "Someone had already handled it.", "success")
    return web.see_other("admin.visit_requests")


def _valid_or_400() -> None:
    """A staff action's form must carry its CSRF token."""
    if not EmptyForm().validate_on_submit():
        abort(400)
