"""Coordinators' pages for announcements on the community page."""

from flask import flash, render_template, request
from flask_login import current_user

from portal import clock, web
from portal.community import queries, services
from portal.community.forms import AnnouncementForm
from portal.community.models import Announcement
from portal.extensions import db
from portal.forms import EmptyForm

bp = web.admin_bp

#: What an announcement's audit entries record.
ANNOUNCEMENT_FIELDS = ("title", "body", "body_format", "pinned", "audience", "make", "model")


def _announcement_or_404(announcement_id: int) -> Announcement:
    return db.get_or_404(Announcement, announcement_id)


@bp.route("/announcements")
def announcements():
    """Every announcement, pinned first, with who sees it."""
    sort, descending = web.sort_params(tuple(queries.ANNOUNCEMENT_SORTS), "pinned", True)
    return render_template(
        "admin/community/index.html",
        page=web.paginate(queries.announcement_list(sort, descending), per=web.per_page(30)),
        action_form=EmptyForm(),
        sort=sort,
        descending=descending,
        list_args=web.list_args(),
    )


def _audit_saved(saved: Announcement, before: dict | None) -> None:
    """The audit entry for a posted or changed announcement."""
    web.audit(
        "announcement.update" if before else "announcement.post",
        "announcement",
        saved.id,
        f"{'Changed' if before else 'Posted'} the announcement “{saved.title}”",
        before=before,
        after=web.snapshot(saved, ANNOUNCEMENT_FIELDS),
    )


def _saved(form: AnnouncementForm, announcement: Announcement | None) -> bool:
    """Validate and save the form (with its audit entry); False shows the form again."""
    if not form.validate_on_submit():
        return False
    before = web.snapshot(announcement, ANNOUNCEMENT_FIELDS) if announcement else None
    return web.perform(
        lambda: services.save_announcement(
            db.session, announcement, form.values(), author=current_user, now=clock.now()
        ),
        form,
        "title",
        then=lambda saved: _audit_saved(saved, before),
    ).ok


@bp.route("/announcements/new", methods=["GET", "POST"])
def announcement_new():
    """Post an announcement (it appears at once for its audience)."""
    form = AnnouncementForm()
    if _saved(form, None):
        flash("Announcement posted.", "success")
        return web.see_other("admin.announcements")
    return web.form_page("admin/community/form.html", form, announcement=None)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
def announcement_edit(announcement_id: int):
    """Change an announcement."""
    announcement = _announcement_or_404(announcement_id)
    form = AnnouncementForm(obj=announcement if request.method == "GET" else None)
    if _saved(form, announcement):
        flash("Announcement updated.", "success")
        return web.see_other("admin.announcements")
    return web.form_page("admin/community/form.html", form, announcement=announcement)


@bp.post("/announcements/<int:announcement_id>/delete")
def announcement_delete(announcement_id: int):
    """Take an announcement down."""
    announcement = _announcement_or_404(announcement_id)
    if EmptyForm().validate_on_submit():
        title, before = announcement.title, web.snapshot(announcement, ANNOUNCEMENT_FIELDS)
        outcome = web.perform(
            lambda: services.delete_announcement(db.session, announcement),
            then=lambda _: web.audit(
                "announcement.delete",
                "announcement",
                announcement_id,
                f"Took down the announcement “{title}”",
                before=before,
                after=None,
            ),
        )
        if outcome.ok:
            flash(f"“{title}” was taken down.", "success")
    return web.see_other("admin.announcements")
