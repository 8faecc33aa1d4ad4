"""Coordinators' pages for announcements on the community page."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import clock
from portal.community import services
from portal.community.forms import AnnouncementForm
from portal.community.models import Announcement
from portal.errors import ServiceError
from portal.extensions import db
from portal.forms import EmptyForm
from portal.web import admin_bp as bp
from portal.web import audit, list_args, ordering, page_number, per_page, snapshot, sort_params

#: Columns the announcements list sorts by; pinned ones first, newest first, by default.
ANNOUNCEMENT_SORTS = {
    "pinned": Announcement.pinned,
    "date": Announcement.published_at,
    "title": func.lower(Announcement.title),
}
#: What an announcement's audit entries record.
ANNOUNCEMENT_FIELDS = ("title", "body", "body_format", "pinned", "audience", "make", "model")


def _announcement_or_404(announcement_id: int) -> Announcement:
    return db.get_or_404(Announcement, announcement_id)


@bp.route("/announcements")
def announcements():
    """Every announcement, pinned first, with who sees it."""
    sort, descending = sort_params(tuple(ANNOUNCEMENT_SORTS), "pinned", True)
    order = ordering(
        ANNOUNCEMENT_SORTS,
        sort,
        descending,
        Announcement.published_at.desc(),
        Announcement.id.desc(),
    )
    page = db.paginate(
        select(Announcement).order_by(*order),
        page=page_number(),
        per_page=per_page(30),
        error_out=False,
    )
    return render_template(
        "admin/community/index.html",
        page=page,
        action_form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=list_args(),
    )


def _save(form: AnnouncementForm, announcement: Announcement | None) -> Announcement | None:
    if not form.validate_on_submit():
        return None
    before = snapshot(announcement, ANNOUNCEMENT_FIELDS) if announcement else None
    try:
        saved = services.save_announcement(
            db.session, announcement, form.values(), author=current_user, now=clock.now()
        )
    except ServiceError as error:
        db.session.rollback()
        getattr(form, error.field or "title").errors.append(error.message)
        return None
    audit(
        "announcement.update" if before else "announcement.post",
        "announcement",
        saved.id,
        f"{'Changed' if before else 'Posted'} the announcement “{saved.title}”",
        before=before,
        after=snapshot(saved, ANNOUNCEMENT_FIELDS),
    )
    db.session.commit()
    return saved


@bp.route("/announcements/new", methods=["GET", "POST"])
def announcement_new():
    """Post an announcement (it appears at once for its audience)."""
    form = AnnouncementForm()
    if _save(form, None) is not None:
        flash("Announcement posted.", "success")
        return redirect(url_for("admin.announcements"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/community/form.html", form=form, announcement=None), status


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
def announcement_edit(announcement_id: int):
    """Change an announcement."""
    announcement = _announcement_or_404(announcement_id)
    form = AnnouncementForm(obj=announcement if request.method == "GET" else None)
    if _save(form, announcement) is not None:
        flash("Announcement updated.", "success")
        return redirect(url_for("admin.announcements"), code=303)
    status = 422 if form.errors else 200
    return render_template(
        "admin/community/form.html", form=form, announcement=announcement
    ), status


@bp.post("/announcements/<int:announcement_id>/delete")
def announcement_delete(announcement_id: int):
    """Take an announcement down."""
    announcement = _announcement_or_404(announcement_id)
    if EmptyForm().validate_on_submit():
        audit(
            "announcement.delete",
            "announcement",
            announcement.id,
            f"Took down the announcement “{announcement.title}”",
            before=snapshot(announcement, ANNOUNCEMENT_FIELDS),
            after=None,
        )
        db.session.delete(announcement)
        db.session.commit()
        flash(f"“{announcement.title}” was taken down.", "success")
    return redirect(url_for("admin.announcements"), code=303)
