"""Coordinators' pages for charity drives: create, edit, open, close, record and receive."""

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from portal import clock, web
from portal.charity import queries, rules, services
from portal.charity.forms import CharitySettingsForm, DriveForm, RecordPledgeForm
from portal.charity.models import Drive, DriveStatus
from portal.csvsafe import csv_response
from portal.extensions import db
from portal.forms import EmptyForm
from portal.templating import dealership, when

bp = web.admin_bp

CONTRIBUTIONS_PER_PAGE = 50
#: What a drive's audit entries record.
DRIVE_FIELDS = (
    *("name", "beneficiary_name", "beneficiary_description", "beneficiary_url", "story"),
    *("goal_kind", "goal_amount", "unit_label", "starts_on", "ends_on", "status"),
    *("match_percent", "match_cap", "points_per_item", "cover_filename"),
)
NOT_OPEN = "Only an open drive can be closed."


def _drive_or_404(drive_id: int) -> Drive:
    return db.get_or_404(Drive, drive_id)


def _back_to(drive_id: int):
    return web.see_other("admin.charity_drive", drive_id=drive_id)


@bp.route("/charity")
def charity_drives():
    """Every drive with its progress, and the points conversion rate."""
    sort, descending = web.sort_params(tuple(queries.DRIVE_SORTS), "status", True)
    page = web.paginate(queries.drive_list(sort, descending))
    rate = queries.read_charity_settings(db.session)["charity.points_per_dollar"]
    return render_template(
        "admin/charity/index.html",
        page=page,
        totals=queries.totals_for(db.session, page.items),
        sort=sort,
        descending=descending,
        list_args=web.list_args(),
        settings_form=CharitySettingsForm(points_per_dollar=rate),
        points_rate=rules.points_rate_words(int(rate)),
        today=web.local_today(),
    )


@bp.post("/charity/settings")
def charity_settings():
    """Change how many reward points make a dollar."""
    form = CharitySettingsForm()
    if not form.validate_on_submit():
        flash("Enter a whole number of points, at least 1.", "error")
    elif web.perform(
        lambda: services.save_charity_settings(db.session, form.points_per_dollar.data),
        then=lambda changes: web.audit_settings("charity", changes, rules.DEFAULTS),
    ).ok:
        flash("Points rate saved.", "success")
    return web.see_other("admin.charity_drives")


def _offer_events(form: DriveForm, drive: Drive | None) -> None:
    """The upcoming and recent events the coordinator can link, dated in local time."""
    form.events.choices = [
        SelectChoice(
            event.id,
            Markup("{} · {}{}").format(
                event.title,
                when(event.starts_at, "%a %-d %b %Y"),
                " (draft)" if event.status == "draft" else "",
            ),
        )
        for event in queries.linkable_events(db.session, clock.now(), drive)
    ]


def _audit_drive(saved: Drive, before: dict | None) -> None:
    """The entry for a created or changed drive."""
    action, verb = ("drive.update", "Changed") if before else ("drive.create", "Created")
    after = web.snapshot(saved, DRIVE_FIELDS)
    web.audit(
        action, "drive", saved.id, f"{verb} the drive “{saved.name}”", before=before, after=after
    )


def _save_drive_form(form: DriveForm, drive: Drive | None) -> Drive | None:
    """Validate and save the drive, its events and cover; None with the errors shown."""
    _offer_events(form, drive)
    if not form.validate_on_submit():
        return None
    before = web.snapshot(drive, DRIVE_FIELDS) if drive else None
    upload = form.cover.data if getattr(form.cover.data, "filename", "") else None
    outcome = web.perform(
        lambda: services.save_drive(
            db.session,
            drive,
            form.values(),
            event_ids=form.events.data or [],
            cover=upload.stream if upload else None,
            remove_cover=form.remove_cover.data,
            instance_path=current_app.instance_path,
        ),
        form,
        "name",
        then=lambda saved: _audit_drive(saved[0], before),
    )
    if not outcome.ok:
        return None
    saved, replaced_cover = outcome.value
    services.delete_cover(current_app.instance_path, replaced_cover)
    return saved


@bp.route("/charity/new", methods=["GET", "POST"])
def charity_new():
    """Prepare a new drive (it starts as a draft)."""
    form = DriveForm()
    drive = _save_drive_form(form, None)
    if drive is not None:
        flash(f"{drive.name} is saved as a draft. Open it when you're ready.", "success")
        return _back_to(drive.id)
    return web.form_page("admin/charity/form.html", form, drive=None)


@bp.route("/charity/<int:drive_id>/edit", methods=["GET", "POST"])
def charity_edit(drive_id: int):
    """Change a drive's details, goal, dates, matching or cover."""
    drive = _drive_or_404(drive_id)
    form = DriveForm()
    if request.method == "GET":
        form.fill_from(drive)
        form.events.data = queries.linked_event_ids(db.session, drive)
    if _save_drive_form(form, drive) is not None:
        flash("Drive updated.", "success")
        return _back_to(drive.id)
    return web.form_page("admin/charity/form.html", form, drive=drive)


@bp.route("/charity/<int:drive_id>")
def charity_drive(drive_id: int):
    """A drive's totals, its contributions (newest first) and its actions."""
    drive = _drive_or_404(drive_id)
    sort, descending = web.sort_params(tuple(queries.CONTRIBUTION_SORTS), "date", True)
    contributions = queries.drive_contributions(drive, sort, descending)
    return render_template(
        "admin/charity/drive.html",
        drive=drive,
        totals=queries.drive_totals(db.session, drive),
        linked_events=queries.events_of_drive(db.session, drive, current_user),
        now=clock.now(),
        page=web.paginate(contributions, per=web.per_page(CONTRIBUTIONS_PER_PAGE)),
        action_form=EmptyForm(),
        record_form=RecordPledgeForm(recognition="anonymous"),
        today=web.local_today(),
        sort=sort,
        descending=descending,
        list_args=web.list_args(drive_id=drive.id),
    )


def _audit_status(drive: Drive, before: str, action: str, summary: str) -> None:
    """An entry for a drive that moved from `before` to its status now (none if it did not)."""
    if drive.status != before:
        web.audit(
            action,
            "drive",
            drive.id,
            summary,
            before={"status": before},
            after={"status": drive.status},
        )


@bp.post("/charity/<int:drive_id>/open")
def charity_open(drive_id: int):
    """Start taking pledges."""
    drive = _drive_or_404(drive_id)
    if EmptyForm().validate_on_submit():
        outcome = web.perform(
            lambda: services.open_drive(db.session, drive, clock.now()),
            then=lambda _: _audit_status(
                drive, DriveStatus.DRAFT.value, "drive.open", f"Opened “{drive.name}” for pledges"
            ),
        )
        if outcome.ok:
            flash(f"{drive.name} is open: owners can pledge now.", "success")
    return _back_to(drive.id)


def _flash_closed(drive: Drive, thanked: list[int]) -> None:
    """Say whether the drive closed, and how many people it thanked."""
    if drive.status != DriveStatus.CLOSED:
        flash(NOT_OPEN, "error")
    elif thanked:
        flash(f"{drive.name} is closed. We thanked {_people(len(thanked))}.", "success")
    else:
        flash(f"{drive.name} is closed.", "info")


@bp.route("/charity/<int:drive_id>/close", methods=["GET", "POST"])
def charity_close(drive_id: int):
    """Confirm, then close the drive and thank everyone who took part (once each)."""
    drive = _drive_or_404(drive_id)
    if request.method == "GET" and not drive.is_open:
        flash(NOT_OPEN, "error")
    elif request.method == "GET":
        totals = queries.drive_totals(db.session, drive)
        return render_template(
            "admin/charity/close.html", drive=drive, totals=totals, form=EmptyForm()
        )
    elif EmptyForm().validate_on_submit():
        before = drive.status
        outcome = web.perform(
            lambda: services.close_drive(db.session, drive, clock.now(), dealership()["name"]),
            then=lambda thanked: _audit_status(
                drive, before, "drive.close", f"Closed “{drive.name}”; thanked {len(thanked)}"
            ),
        )
        _flash_closed(drive, outcome.value)
    return _back_to(drive.id)


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


@bp.post("/charity/<int:drive_id>/contributions/<int:contribution_id>/received")
def charity_mark_received(drive_id: int, contribution_id: int):
    """Mark a pledge received: htmx swaps the row, otherwise back to the drive."""
    contribution = queries.contribution_of_drive(db.session, drive_id, contribution_id)
    if contribution is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        web.perform(
            lambda: services.mark_received(
                db.session, contribution=contribution, by=current_user, now=clock.now()
            ),
            then=lambda marked: marked and _audit_received(contribution),
        )
    if web.wants_fragment():
        return render_template(
            "admin/charity/_contribution_row.html",
            item=contribution,
            drive=contribution.drive,
            action_form=EmptyForm(),
        )
    flash("Marked as received.", "success")
    return _back_to(drive_id)


def _audit_received(contribution) -> None:
    web.audit(
        "contribution.receive",
        "contribution",
        contribution.id,
        f"Marked a pledge to “{contribution.drive.name}” received",
        before={"received_at": None},
        after={"received_at": contribution.received_at},
    )


def _audit_recorded(contribution) -> None:
    web.audit(
        "contribution.record",
        "contribution",
        contribution.id,
        f"Recorded {contribution.user.name}'s pledge to “{contribution.drive.name}”",
        after=web.snapshot(contribution, ("drive_id", "user_id", "amount", "received_at")),
    )


def _problems(form: RecordPledgeForm) -> str:
    """Each field's errors, labelled, for one flash."""
    return "; ".join(
        f"{getattr(form, name).label.text}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


@bp.post("/charity/<int:drive_id>/pledges")
def charity_record_pledge(drive_id: int):
    """Record a pledge an owner made in person (optionally already received)."""
    drive = _drive_or_404(drive_id)
    form = RecordPledgeForm()
    if not form.validate_on_submit():
        flash("Please check the pledge: " + _problems(form), "error")
        return _back_to(drive.id)
    now = clock.now()
    outcome = web.perform(
        lambda: services.record_pledge_for(
            db.session,
            email=form.email.data,
            drive=drive,
            **form.values(drive),
            now=now,
            today=web.local_today(),
            received_by=current_user if form.received.data else None,
        ),
        # A repeat of the same form returns the earlier pledge: nothing new to audit.
        then=lambda contribution: (
            _audit_recorded(contribution) if contribution.created_at == now else None
        ),
    )
    if outcome.ok:
        flash(f"Pledge recorded for {outcome.value.user.name}.", "success")
    return _back_to(drive.id)


CONTRIBUTION_EXPORT_HEADER = (
    "id",
    "drive",
    "date",
    "owner",
    "email",
    "kind",
    "amount",
    "unit",
    "points given",
    "honour roll",
    "message",
    "received on",
)


def _contribution_rows(statement):
    """CSV rows from (Contribution, Drive, name, email) results."""
    for contribution, drive, owner_name, owner_email in web.export_rows(statement):
        yield (
            contribution.id,
            drive.name,
            web.export_moment(contribution.created_at),
            owner_name,
            owner_email,
            contribution.kind,
            rules.export_amount(drive, contribution.amount),
            "USD" if drive.is_money else (drive.unit_label or "items"),
            contribution.points,
            "by name" if contribution.show_name else "anonymous",
            contribution.message,
            web.export_moment(contribution.received_at),
        )


@bp.route("/charity/contributions.csv")
def export_contributions():
    """Every pledge and points donation to every drive."""
    rows = _contribution_rows(queries.contributions_export())
    return csv_response(web.export_filename("charity-pledges"), CONTRIBUTION_EXPORT_HEADER, rows)


@bp.route("/charity/<int:drive_id>/contributions.csv")
def export_drive_contributions(drive_id: int):
    """One drive's pledges and points donations."""
    drive = _drive_or_404(drive_id)
    rows = _contribution_rows(queries.contributions_export(drive.id))
    name = web.export_filename(f"drive-{drive.id}-pledges")
    return csv_response(name, CONTRIBUTION_EXPORT_HEADER, rows)
