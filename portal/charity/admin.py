"""Coordinators' pages for charity drives: create, edit, open, close, record and receive."""

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal import clock
from portal.accounts.models import User
from portal.charity import closing, covers, links, queries, services
from portal.charity.forms import CharitySettingsForm, DriveForm, RecordPledgeForm
from portal.charity.models import Contribution, Drive, DriveStatus
from portal.csvsafe import csv_response
from portal.dealership.services import write_settings
from portal.errors import ServiceError
from portal.extensions import db
from portal.forms import EmptyForm
from portal.notifications.dispatch import dispatch
from portal.templating import dealership
from portal.web import admin_bp as bp
from portal.web import (
    audit,
    audit_settings,
    export_filename,
    export_moment,
    export_rows,
    list_args,
    ordering,
    page_number,
    per_page,
    snapshot,
    sort_params,
)

CONTRIBUTIONS_PER_PAGE = 50
DRIVE_SORTS = {"status": Drive.status, "name": func.lower(Drive.name), "ends": Drive.ends_on}
CONTRIBUTION_SORTS = {"date": Contribution.created_at, "amount": Contribution.amount}
#: What a drive's audit entries record.
DRIVE_FIELDS = (
    *("name", "beneficiary_name", "beneficiary_description", "beneficiary_url", "story"),
    *("goal_kind", "goal_amount", "unit_label", "starts_on", "ends_on", "status"),
    *("match_percent", "match_cap", "points_per_item", "cover_filename"),
)


def _drive_or_404(drive_id: int) -> Drive:
    return db.get_or_404(Drive, drive_id)


def _today():
    return clock.local_today(dealership()["timezone"])


@bp.route("/charity")
def charity_drives():
    """Every drive with its progress, and the points conversion rate."""
    sort, descending = sort_params(tuple(DRIVE_SORTS), "status", True)
    order = ordering(DRIVE_SORTS, sort, descending, Drive.ends_on.desc(), Drive.id.desc())
    page = db.paginate(
        select(Drive).order_by(*order), page=page_number(), per_page=per_page(), error_out=False
    )
    settings_form = CharitySettingsForm(
        points_per_dollar=services.read_charity_settings(db.session)["charity.points_per_dollar"]
    )
    return render_template(
        "admin/charity/index.html",
        page=page,
        totals=services.totals_for(db.session, page.items),
        sort=sort,
        descending=descending,
        list_args=list_args(),
        settings_form=settings_form,
        today=_today(),
    )


@bp.post("/charity/settings")
def charity_settings():
    """Change how many reward points make a dollar."""
    form = CharitySettingsForm()
    if form.validate_on_submit():
        changes = write_settings(
            db.session, {"charity.points_per_dollar": form.points_per_dollar.data}
        )
        audit_settings("charity", changes, services.DEFAULTS)
        db.session.commit()
        flash("Points rate saved.", "success")
    else:
        flash("Enter a whole number of points, at least 1.", "error")
    return redirect(url_for("admin.charity_drives"), code=303)


def _checked_cover(form: DriveForm) -> tuple[bytes, str] | None:
    """The new cover's bytes and type, checked; kept in memory until the drive is valid."""
    upload = form.cover.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return covers.read_checked_cover(upload.stream)


def _offer_events(form: DriveForm, drive: Drive | None) -> None:
    """The upcoming and recent events the coordinator can link, dated in local time."""
    zone = ZoneInfo(dealership()["timezone"])
    form.events.choices = [
        SelectChoice(
            event.id,
            f"{event.title} · {event.starts_at.astimezone(zone):%a %-d %b %Y}"
            + (" (draft)" if event.status == "draft" else ""),
        )
        for event in links.linkable_events(db.session, clock.now(), drive)
    ]


def _save_drive_form(form: DriveForm, drive: Drive | None):
    """Validate, store the cover and the drive; returns the drive or None with errors shown."""
    _offer_events(form, drive)
    if not form.validate_on_submit():
        return None
    before = snapshot(drive, DRIVE_FIELDS) if drive else None
    try:
        cover = _checked_cover(form)
        saved = services.save_drive(db.session, drive, form.values())
        links.set_linked_events(db.session, saved, form.events.data or [])
    except ServiceError as error:
        db.session.rollback()
        getattr(form, error.field or "name").errors.append(error.message)
        return None
    old_cover = saved.cover_filename
    if cover is not None:
        data, content_type = cover
        saved.cover_filename = covers.save_cover(current_app.instance_path, data, content_type)
        saved.cover_content_type = content_type
    elif form.remove_cover.data:
        saved.cover_filename = saved.cover_content_type = None
    action, verb = ("drive.update", "Changed") if before else ("drive.create", "Created")
    after = snapshot(saved, DRIVE_FIELDS)
    audit(action, "drive", saved.id, f"{verb} the drive “{saved.name}”", before=before, after=after)
    db.session.commit()
    if old_cover and old_cover != saved.cover_filename:
        covers.delete_cover(current_app.instance_path, old_cover)
    return saved


@bp.route("/charity/new", methods=["GET", "POST"])
def charity_new():
    """Prepare a new drive (it starts as a draft)."""
    form = DriveForm()
    drive = _save_drive_form(form, None)
    if drive is not None:
        flash(f"{drive.name} is saved as a draft. Open it when you're ready.", "success")
        return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)
    return render_template("admin/charity/form.html", form=form, drive=None), (
        422 if form.errors else 200
    )


@bp.route("/charity/<int:drive_id>/edit", methods=["GET", "POST"])
def charity_edit(drive_id: int):
    """Change a drive's details, goal, dates, matching or cover."""
    drive = _drive_or_404(drive_id)
    form = DriveForm()
    if request.method == "GET":
        form.fill_from(drive)
        form.events.data = links.linked_event_ids(db.session, drive)
    saved = _save_drive_form(form, drive)
    if saved is not None:
        flash("Drive updated.", "success")
        return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)
    return render_template("admin/charity/form.html", form=form, drive=drive), (
        422 if form.errors else 200
    )


@bp.route("/charity/<int:drive_id>")
def charity_drive(drive_id: int):
    """A drive's totals, its contributions (newest first) and its actions."""
    drive = _drive_or_404(drive_id)
    sort, descending = sort_params(tuple(CONTRIBUTION_SORTS), "date", True)
    page = db.paginate(
        select(Contribution)
        .where(Contribution.drive_id == drive.id)
        .options(selectinload(Contribution.user))
        .order_by(*ordering(CONTRIBUTION_SORTS, sort, descending, Contribution.id.desc())),
        page=page_number(),
        per_page=per_page(CONTRIBUTIONS_PER_PAGE),
        error_out=False,
    )
    return render_template(
        "admin/charity/drive.html",
        drive=drive,
        totals=services.drive_totals(db.session, drive),
        linked_events=links.events_of_drive(db.session, drive, current_user),
        now=clock.now(),
        page=page,
        action_form=EmptyForm(),
        record_form=RecordPledgeForm(recognition="anonymous"),
        today=_today(),
        sort=sort,
        descending=descending,
        list_args=list_args(drive_id=drive.id),
    )


@bp.post("/charity/<int:drive_id>/open")
def charity_open(drive_id: int):
    """Start taking pledges."""
    drive = _drive_or_404(drive_id)
    if EmptyForm().validate_on_submit():
        try:
            services.open_drive(db.session, drive, clock.now())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            audit(
                "drive.open",
                "drive",
                drive.id,
                f"Opened “{drive.name}” for pledges",
                before={"status": DriveStatus.DRAFT.value},
                after={"status": drive.status},
            )
            db.session.commit()
            flash(f"{drive.name} is open: owners can pledge now.", "success")
    return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)


@bp.route("/charity/<int:drive_id>/close", methods=["GET", "POST"])
def charity_close(drive_id: int):
    """Confirm, then close the drive and thank everyone who took part (once each)."""
    drive = _drive_or_404(drive_id)
    if request.method == "GET":
        if drive.status != DriveStatus.OPEN:
            flash("Only an open drive can be closed.", "error")
            return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)
        return render_template(
            "admin/charity/close.html",
            drive=drive,
            totals=services.drive_totals(db.session, drive),
            form=EmptyForm(),
        )
    if EmptyForm().validate_on_submit():
        before = drive.status
        created = closing.close_drive(db.session, drive, clock.now(), dealership()["name"])
        if before != drive.status:
            audit(
                "drive.close",
                "drive",
                drive.id,
                f"Closed “{drive.name}”; thanked {len(created)}",
                before={"status": before},
                after={"status": drive.status},
            )
        db.session.commit()
        if drive.status != DriveStatus.CLOSED:
            flash("Only an open drive can be closed.", "error")
        elif created:
            dispatch(created)
            flash(f"{drive.name} is closed. We thanked {plural_people(len(created))}.", "success")
        else:
            flash(f"{drive.name} is closed.", "info")
    return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)


def plural_people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


@bp.post("/charity/<int:drive_id>/contributions/<int:contribution_id>/received")
def charity_mark_received(drive_id: int, contribution_id: int):
    """Mark a pledge received: htmx swaps the row, otherwise back to the drive."""
    contribution = db.session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.drive_id == drive_id
        )
    )
    if contribution is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        if services.mark_received(
            db.session, contribution=contribution, by=current_user, now=clock.now()
        ):
            audit(
                "contribution.receive",
                "contribution",
                contribution.id,
                f"Marked a pledge to “{contribution.drive.name}” received",
                before={"received_at": None},
                after={"received_at": contribution.received_at},
            )
        db.session.commit()
    if request.htmx and not request.htmx.boosted:
        return render_template(
            "admin/charity/_contribution_row.html",
            item=contribution,
            drive=contribution.drive,
            action_form=EmptyForm(),
        )
    flash("Marked as received.", "success")
    return redirect(url_for("admin.charity_drive", drive_id=drive_id), code=303)


@bp.post("/charity/<int:drive_id>/pledges")
def charity_record_pledge(drive_id: int):
    """Record a pledge an owner made in person (optionally already received)."""
    drive = _drive_or_404(drive_id)
    form = RecordPledgeForm()
    if form.validate_on_submit():
        owner = db.session.scalar(
            select(User).where(func.lower(User.email) == form.email.data.strip().lower())
        )
        try:
            if owner is None:
                raise ServiceError("No owner has that email address.", field="email")
            contribution = services.record_pledge(
                db.session,
                drive=drive,
                user=owner,
                amount=form.amount.data * (100 if drive.is_money else 1),
                message=form.message.data,
                show_name=form.recognition.data == "name",
                now=clock.now(),
                today=_today(),
                received_by=current_user if form.received.data else None,
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            audit(
                "contribution.record",
                "contribution",
                contribution.id,
                f"Recorded {owner.name}'s pledge to “{drive.name}”",
                after=snapshot(contribution, ("drive_id", "user_id", "amount", "received_at")),
            )
            db.session.commit()
            flash(f"Pledge recorded for {owner.name}.", "success")
    else:
        flash(
            "Please check the pledge: "
            + "; ".join(
                f"{getattr(form, name).label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
            "error",
        )
    return redirect(url_for("admin.charity_drive", drive_id=drive.id), code=303)


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


def _amount(drive: Drive, value: int) -> str | int:
    """Dollars with cents for money drives (stored in cents), a count for item drives."""
    if drive.is_money:
        return f"{value // 100}.{value % 100:02d}"
    return value


def _contribution_rows(statement):
    """CSV rows from (Contribution, Drive, name, email) results."""
    for contribution, drive, owner_name, owner_email in export_rows(statement):
        yield (
            contribution.id,
            drive.name,
            export_moment(contribution.created_at),
            owner_name,
            owner_email,
            contribution.kind,
            _amount(drive, contribution.amount),
            "USD" if drive.is_money else (drive.unit_label or "items"),
            contribution.points,
            "by name" if contribution.show_name else "anonymous",
            contribution.message,
            export_moment(contribution.received_at),
        )


@bp.route("/charity/contributions.csv")
def export_contributions():
    """Every pledge and points donation to every drive."""
    rows = _contribution_rows(queries.contributions_export())
    return csv_response(export_filename("charity-pledges"), CONTRIBUTION_EXPORT_HEADER, rows)


@bp.route("/charity/<int:drive_id>/contributions.csv")
def export_drive_contributions(drive_id: int):
    """One drive's pledges and points donations."""
    drive = _drive_or_404(drive_id)
    rows = _contribution_rows(queries.contributions_export(drive.id))
    name = export_filename(f"drive-{drive.id}-pledges")
    return csv_response(name, CONTRIBUTION_EXPORT_HEADER, rows)
