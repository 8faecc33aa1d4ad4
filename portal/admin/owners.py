"""Owners: search, an owner's page, staff notes, deactivation and the CSV export."""

from flask import flash, render_template, request
from flask_login import current_user

from portal import clock
from portal.accounts.forms import NoteForm
from portal.accounts.models import Role, User
from portal.accounts.services import staff as services
from portal.admin import owner_list, queries
from portal.csvsafe import csv_response
from portal.extensions import db
from portal.forms import EmptyForm
from portal.paging import PagedSelect
from portal.sections import render_sections
from portal.web import (
    PER_PAGE,
    admin_required,
    client_ip,
    export_filename,
    export_rows,
    page_number,
    paginate,
    perform,
    see_other,
    sort_params,
    wants_fragment,
)
from portal.web import admin_bp as bp

NOTES_PER_PAGE = 10
MESSAGES_PER_PAGE = 10
OWNER_EXPORT_HEADER = (
    "id",
    "name",
    "email",
    "phone",
    "joined",
    "cars",
    "status",
    "verified",
    "invites",
)


def _search() -> tuple[str, str, bool]:
    """The owner search in the query string: (words, sort column, descending)."""
    sort, descending = sort_params(queries.OWNER_SORTS, "name")
    return request.args.get("q", "").strip()[:100], sort, descending


@bp.route("/owners")
def owners():
    """Find owners by name, email, phone or VIN; sortable and paged."""
    query, sort, descending = _search()
    statements = (
        PagedSelect(queries.owner_list(query, sort, descending), rows=True)
        if query
        else queries.owner_pages(sort, descending)
    )
    page = statements.page_of(db.session, {}, page_number(), PER_PAGE)
    template = "admin/owners/_results.html" if wants_fragment() else "admin/owners/list.html"
    links = owner_list.list_links()
    return render_template(
        template,
        page=page,
        body=owner_list.table_body(page.items, links.owner),
        sort_links=owner_list.sort_links(links.owners, sort, descending, query),
        pager=owner_list.pager_links(links.owners, page, query, sort, descending),
        links=links,
        export_url=owner_list.export_link(links.export, query, sort, descending),
        q=query,
        sort=sort,
        descending=descending,
    )


def _owner_row(owner: User, cars: int) -> tuple:
    """One line of the owners CSV."""
    return (
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


@bp.route("/owners/export.csv")
def export_owners():
    """The owners matching the current search, as a spreadsheet-safe CSV."""
    statement = queries.owner_export(*_search())

    def rows():
        for owner, cars in export_rows(statement):
            yield _owner_row(owner, cars)

    return csv_response(export_filename("owners"), OWNER_EXPORT_HEADER, rows())


def _owner_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _notes_page(owner: User):
    return paginate(queries.owner_notes(owner), NOTES_PER_PAGE, page_number("notes_page"))


@bp.route("/owners/<int:user_id>")
def owner(user_id: int):
    """Everything the team knows about one owner, with room for each domain's section."""
    return _owner_page(_owner_or_404(user_id), NoteForm())


def _owner_page(person: User, note_form: NoteForm) -> str:
    """The owner page; the note form comes in with its errors on a failed no-JS post."""
    return render_template(
        "admin/owners/detail.html",
        owner=person,
        vehicles=queries.owner_vehicles(db.session, person),
        messages=paginate(
            queries.owner_messages(person), MESSAGES_PER_PAGE, page_number("messages_page")
        ),
        notes=_notes_page(person),
        note_form=note_form,
        action_form=EmptyForm(),
        sections=render_sections("admin_owner", person),
        is_staff_account=person.role != Role.OWNER,
    )


def _notes_panel(person: User, note_form: NoteForm) -> str:
    """The notes panel alone, as htmx swaps it."""
    return render_template(
        "admin/owners/_notes.html", owner=person, notes=_notes_page(person), note_form=note_form
    )


@bp.post("/owners/<int:user_id>/notes")
def add_note(user_id: int):
    """Add a staff note; htmx swaps the notes panel, without JavaScript we redirect back."""
    person = _owner_or_404(user_id)
    form = NoteForm()
    if form.validate_on_submit():
        saved = perform(
            lambda: services.add_note(
                db.session, owner=person, author=current_user, body=form.body.data, ip=client_ip()
            ),
            form,
            "body",
        )
        if saved.ok and wants_fragment():
            return _notes_panel(person, NoteForm(formdata=None))
        if saved.ok:
            flash("Note saved.", "success")
            return see_other("admin.owner", user_id=person.id, _anchor="notes")
    if wants_fragment():
        return _notes_panel(person, form), 422
    return _owner_page(person, form), 422


@bp.post("/owners/<int:user_id>/deactivate")
@admin_required
def deactivate_owner(user_id: int):
    """Stop the account signing in; it is signed out everywhere at once."""
    person = _owner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        outcome = perform(
            lambda: services.deactivate_account(
                db.session, user=person, actor=current_user, now=clock.now(), ip=client_ip()
            )
        )
        if outcome.ok:
            ended = outcome.value
            signed_out = f" and signed out of {ended} browser(s)." if ended else "."
            flash(f"{person.name}'s account is deactivated{signed_out}", "success")
    return see_other("admin.owner", user_id=person.id)


@bp.post("/owners/<int:user_id>/reactivate")
@admin_required
def reactivate_owner(user_id: int):
    """Let a deactivated account sign in again."""
    person = _owner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        perform(
            lambda: services.reactivate_account(
                db.session, user=person, actor=current_user, ip=client_ip()
            )
        )
        flash(f"{person.name} can sign in again.", "success")
    return see_other("admin.owner", user_id=person.id)
