"""Import owners and vehicles from the dealer-management system: upload, preview, confirm."""

from flask import Response, abort, current_app, flash, render_template, request
from flask_login import current_user

from portal import clock
from portal.dealership.queries import dealership_profile
from portal.extensions import db
from portal.forms import EmptyForm
from portal.imports import queries
from portal.imports.forms import ImportUploadForm
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.rules import COLUMN_HELP, COLUMNS, sample_csv
from portal.imports.services.inviting import AppliedImport, apply_and_invite
from portal.imports.services.planning import preview_import
from portal.notifications.models import DeliveryStatus
from portal.notifications.queries import status_counts
from portal.security import allow_large_body
from portal.templating import plural
from portal.web import admin_bp as bp
from portal.web import (
    admin_required,
    client_ip,
    form_page,
    local_today,
    page_number,
    paginate,
    perform,
    see_other,
)

ROWS_PER_PAGE = 50
UPLOADS_PER_PAGE = 20

# A DMS export is larger than the global request limit allows (50,000 owners: ~4.6 MB).
allow_large_body("admin.imports", "PORTAL_IMPORT_MAX_BYTES")


@bp.route("/imports", methods=["GET", "POST"])
@admin_required
def imports():
    """Explain the file format, take an upload and show its preview; list earlier imports."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        outcome = perform(
            lambda: preview_import(
                db.session,
                upload=upload.stream,
                filename=upload.filename,
                actor=current_user,
                phone_region=current_app.config["PORTAL_PHONE_REGION"],
                today=local_today(),
            ),
            form,
            "file",
        )
        if outcome.ok:
            return see_other("admin.import_batch", batch_id=outcome.value.id)
    return form_page(
        "admin/imports/upload.html",
        form,
        history=paginate(queries.import_history(), per=UPLOADS_PER_PAGE),
        columns=COLUMNS,
        column_help=COLUMN_HELP,
    )


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
    batch = db.get_or_404(ImportBatch, batch_id)
    show = queries.row_filter(request.args.get("show"))
    rows = queries.plan_page(db.session, batch, show, page_number(), ROWS_PER_PAGE)
    return render_template(
        "admin/imports/preview.html",
        batch=batch,
        rows=rows.rows,
        row_total=rows.total,
        show=show,
        page_no=rows.number,
        pages=rows.pages,
        earlier=queries.previous_imports_of(db.session, batch),
        form=EmptyForm(),
        applied=batch.status == ImportStatus.APPLIED,
        expired=batch.status == ImportStatus.EXPIRED,
    )


@bp.post("/imports/<int:batch_id>/apply")
@admin_required
def apply_batch(batch_id: int):
    """Apply exactly the previewed plan, then invite each new owner to claim their account."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = perform(
        lambda: apply_and_invite(
            db.session,
            batch,
            actor=current_user,
            dealership_name=dealership_profile(db.session)["name"],
            now=clock.now(),
            today=local_today(),
            ip=client_ip(),
        )
    )
    if not outcome.ok:
        return see_other("admin.import_batch", batch_id=batch_id)
    flash(_applied_message(outcome.value), "success")
    if skipped := outcome.value.result["skipped"]:
        verb = "was" if skipped == 1 else "were"
        flash(f"{plural(skipped, 'row')} changed since the preview and {verb} skipped.", "warning")
    return see_other("admin.import_batch", batch_id=batch_id, show="all")


def _applied_message(applied: AppliedImport) -> str:
    """What the import did, and where its invitations are (sent, failed, or queued)."""
    result, invitations = applied.result, applied.invitations
    message = (
        f"Import applied: {result['owners_created']} owners and "
        f"{result['vehicles_created']} cars added, "
        f"{result['owners_updated'] + result['vehicles_updated']} records updated"
    )
    if visits := result["services_recorded"]:
        message += f", {plural(visits, 'past service visit')} recorded"
    message += "."
    if not invitations.count:
        return message
    if not invitations.sent_now:
        return message + (
            f" {invitations.count} invitations are queued and go out with the next "
            "`flask notify run`."
        )
    delivered = status_counts(db.session, invitations.ids_sent_now)
    message += f" {plural(delivered.get(DeliveryStatus.SENT, 0), 'invitation')} sent."
    if failed := delivered.get(DeliveryStatus.FAILED, 0):
        message += (
            f" {failed} could not be sent yet; they are retried with the next `flask notify run`."
        )
    return message
