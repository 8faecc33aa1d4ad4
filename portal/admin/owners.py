"""Owners: search, an owner's page, staff notes, deactivation and the CSV export."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.accounts import services
from portal.accounts.forms import NoteForm
from portal.accounts.models import Role, StaffNote, User
from portal.admin import queries
from portal.csvsafe import csv_response
from portal.errors import ServiceError
from portal.extensions import db
from portal.forms import EmptyForm
from portal.garage.models import Vehicle
from portal.notifications.models import Notification
from portal.sections import render_sections
from portal.web import (
    PER_PAGE,
    admin_required,
    client_ip,
    page_number,
    paginate,
    sort_params,
    wants_fragment,
)
from portal.web import admin_bp as bp

NOTES_PER_PAGE = 10
MESSAGES_PER_PAGE = 10


@bp.route("/owners")
def owners():
    """Find owners by name, email, phone or VIN; sortable and paged."""
    query = request.args.get("q", "").strip()[:100]
    sort, descending = sort_params(queries.OWNER_SORTS, "name")
    page = db.paginate(
        queries.owner_search(query, sort, descending),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    context = {
        "page": page,
        "q": query,
        "sort": sort,
        "descending": descending,
        "cars": queries.car_counts(db.session, [owner.id for owner in page.items]),
    }
    if wants_fragment():
        return render_template("admin/owners/_results.html", **context)
    return render_template("admin/owners/list.html", **context)


@bp.route("/owners/export.csv")
def export_owners():
    """The owners matching the current search, as a spreadsheet-safe CSV."""
    query = request.args.get("q", "").strip()[:100]
    sort, descending = sort_params(queries.OWNER_SORTS, "name")
    statement = queries.owner_search(query, sort, descending).add_columns(
        queries.active_car_count()
    )

    def rows():
        for owner, cars in db.session.execute(statement.execution_options(yield_per=500)):
            yield (
                owner.id,
                owner.name,
                owner.email,
                owner.phone,
                owner.created_at.date().isoformat(),
                cars,
                "deactivated" if owner.deactivated_at else "active",
                "yes" if owner.email_verified_at else "no",
                "yes" if owner.consent_event_invites else "no",
            )

    header = ("id", "name", "email", "phone", "joined", "cars", "status", "verified", "invites")
    return csv_response(f"owners-{clock.now():%Y-%m-%d}.csv", header, rows())


def _owner_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _notes_page(owner: User):
    return paginate(
        select(StaffNote)
        .options(joinedload(StaffNote.author))
        .where(StaffNote.owner_id == owner.id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc()),
        per=NOTES_PER_PAGE,
        page=page_number("notes_page"),
    )


@bp.route("/owners/<int:user_id>")
def owner(user_id: int):
    """Everything the team knows about one owner, with room for each domain's section."""
    return _owner_page(_owner_or_404(user_id), NoteForm())


def _owner_page(person: User, note_form: NoteForm) -> str:
    """The owner page; the note form comes in with its errors on a failed no-JS post."""
    vehicles = db.session.scalars(
        select(Vehicle)
        .where(Vehicle.owner_id == person.id)
        .order_by(Vehicle.retired_at.is_not(None), Vehicle.purchase_date.desc(), Vehicle.id)
    ).all()
    messages = paginate(
        select(Notification)
        .where(Notification.user_id == person.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per=MESSAGES_PER_PAGE,
        page=page_number("messages_page"),
    )
    return render_template(
        "admin/owners/detail.html",
        owner=person,
        vehicles=vehicles,
        messages=messages,
        notes=_notes_page(person),
        note_form=note_form,
        action_form=EmptyForm(),
        sections=render_sections("admin_owner", person),
        is_staff_account=person.role != Role.OWNER,
    )


@bp.post("/owners/<int:user_id>/notes")
def add_note(user_id: int):
    """Add a staff note; htmx swaps the notes panel, without JavaScript we redirect back."""
    person = _owner_or_404(user_id)
    form = NoteForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_note(
                db.session, owner=person, author=current_user, body=form.body.data, ip=client_ip()
            )
        except ServiceError as error:
            form.body.errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            if not wants_fragment():
                flash("Note saved.", "success")
                return redirect(url_for("admin.owner", user_id=person.id, _anchor="notes"), 303)
            form = NoteForm(formdata=None)
    else:
        status = 422
    if not wants_fragment():
        return _owner_page(person, form), 422
    return render_template(
        "admin/owners/_notes.html", owner=person, notes=_notes_page(person), note_form=form
    ), status


@bp.post("/owners/<int:user_id>/deactivate")
@admin_required
def deactivate_owner(user_id: int):
    """Stop the account signing in; it is signed out everywhere at once."""
    person = _owner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        try:
            ended = services.deactivate_account(
                db.session, user=person, actor=current_user, now=clock.now(), ip=client_ip()
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                f"{person.name}'s account is deactivated"
                + (f" and signed out of {ended} browser(s)." if ended else "."),
                "success",
            )
    return redirect(url_for("admin.owner", user_id=person.id), 303)


@bp.post("/owners/<int:user_id>/reactivate")
@admin_required
def reactivate_owner(user_id: int):
    """Let a deactivated account sign in again."""
    person = _owner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        services.reactivate_account(db.session, user=person, actor=current_user, ip=client_ip())
        db.session.commit()
        flash(f"{person.name} can sign in again.", "success")
    return redirect(url_for("admin.owner", user_id=person.id), 303)
