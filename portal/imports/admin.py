"""Import owners and vehicles from the dealer-management system: upload, preview, confirm."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.accounts.models import User
from portal.accounts.services.invitations import claim_invitation
from portal.dealership.queries import dealership_profile
from portal.errors import ServiceError
from portal.extensions import db
from portal.forms import EmptyForm
from portal.imports.forms import ImportUploadForm
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.rules import COLUMN_HELP, COLUMNS, sample_csv
from portal.imports.services import OUTCOMES, apply_import, preview_import, previous_imports_of
from portal.notifications.dispatch import dispatch
from portal.notifications.services import notify_many
from portal.web import admin_bp as bp
from portal.web import admin_required, client_ip, page_number

#: Invitations for an import this small go out before the page answers; more are queued.
SEND_NOW_LIMIT = 100
ROWS_PER_PAGE = 50
INVITATION_REASON = (
    "You bought your car from us, so we've brought its details across from our records: "
    "no forms to fill in."
)


@bp.route("/imports", methods=["GET", "POST"])
@admin_required
def imports():
    """Explain the file format, take an upload and show its preview; list earlier imports."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = preview_import(
                db.session,
                data=upload.read(),
                filename=upload.filename,
                actor=current_user,
                phone_region=current_app.config["PORTAL_PHONE_REGION"],
                today=clock.now().date(),
            )
        except ServiceError as error:
            form.file.errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for("admin.import_batch", batch_id=batch.id), 303)
    history = db.paginate(
        select(ImportBatch)
        .options(joinedload(ImportBatch.uploaded_by))
        .order_by(ImportBatch.id.desc()),
        page=page_number(),
        per_page=20,
        error_out=False,
    )
    return render_template(
        "admin/imports/upload.html",
        form=form,
        history=history,
        columns=COLUMNS,
        column_help=COLUMN_HELP,
    ), (422 if form.errors else 200)


@bp.route("/imports/sample.csv")
@admin_required
def import_sample():
    """An example export with the expected header."""
    return Response(
        sample_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="owners-import-sample.csv"'},
    )


@bp.route("/imports/<int:batch_id>")
@admin_required
def import_batch(batch_id: int):
    """The preview of an uploaded file (or, once applied, what the import did)."""
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    show = request.args.get("show", "changes")
    if show not in (*OUTCOMES, "changes", "all"):
        show = "changes"
    if show == "changes":
        rows = [entry for entry in batch.plan if entry["outcome"] != "unchanged"]
    elif show == "all":
        rows = batch.plan
    else:
        rows = [entry for entry in batch.plan if entry["outcome"] == show]
    page = max(page_number(), 1)
    pages = max((len(rows) + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1)
    page = min(page, pages)
    return render_template(
        "admin/imports/preview.html",
        batch=batch,
        rows=rows[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE],
        row_total=len(rows),
        show=show,
        page_no=page,
        pages=pages,
        earlier=previous_imports_of(db.session, batch),
        form=EmptyForm(),
        applied=batch.status == ImportStatus.APPLIED,
        skipped={item["row"]: item["reason"] for item in (batch.result or {}).get("skipped", [])},
    )


@bp.post("/imports/<int:batch_id>/apply")
@admin_required
def apply_batch(batch_id: int):
    """Apply exactly the previewed plan, then invite each new owner to claim their account."""
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = apply_import(
            db.session, batch, actor=current_user, now=clock.now(), ip=client_ip()
        )
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.import_batch", batch_id=batch_id), 303)
    invitation_ids = queue_invitations(result["invitations"])
    db.session.commit()
    message = (
        f"Import applied: {result['owners_created']} owners and "
        f"{result['vehicles_created']} cars added, "
        f"{result['owners_updated'] + result['vehicles_updated']} records updated."
    )
    if invitation_ids and len(invitation_ids) <= SEND_NOW_LIMIT:
        report = dispatch(invitation_ids)
        message += f" {report.sent} invitation{'s' if report.sent != 1 else ''} sent."
        if report.failed:
            message += (
                f" {report.failed} could not be sent yet; they are retried with the next "
                "`flask notify run`."
            )
    elif invitation_ids:
        message += (
            f" {len(invitation_ids)} invitations are queued and go out with the next "
            "`flask notify run`."
        )
    flash(message, "success")
    if result["skipped"]:
        flash(
            f"{len(result['skipped'])} rows changed since the preview and were skipped.", "warning"
        )
    return redirect(url_for("admin.import_batch", batch_id=batch_id, show="all"), 303)


def queue_invitations(invitations: list[tuple[int, list[str]]]) -> list[int]:
    """Queue a claim invitation for each new owner; returns the notification ids."""
    people = {}
    ids = [user_id for user_id, _cars in invitations]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        people.update((u.id, u) for u in db.session.scalars(select(User).where(User.id.in_(chunk))))
    dealership_name = dealership_profile(db.session)["name"]
    messages = [
        claim_invitation(
            people[user_id], cars=cars, reason=INVITATION_REASON, dealership_name=dealership_name
        )
        for user_id, cars in invitations
    ]
    return notify_many(db.session, messages, clock.now())
