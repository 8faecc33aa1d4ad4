"""Staff accounts and roles, and the dealership's settings: admins only."""

from zoneinfo import available_timezones

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import clock
from portal.accounts.forms import EmptyForm
from portal.accounts.invitations import queue_claim_invitation
from portal.accounts.models import User
from portal.accounts.services import normalise_phone
from portal.admin import admin_nav, admin_required, bp, services
from portal.admin.forms import DealershipForm, RoleForm, StaffForm
from portal.admin.listing import PER_PAGE, client_ip, page_number, sort_params
from portal.dealership.services import dealership_profile
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.dispatch import dispatch

admin_nav(80, "Staff", "admin.staff", admin_only=True)
admin_nav(85, "Dealership settings", "admin.settings", admin_only=True)

STAFF_INVITATION_REASON = "You've been added to the team that runs the Owners Club."


def _staff_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    return user


@bp.route("/staff")
@admin_required
def staff():
    """Coordinators and admins, with their role and status."""
    sort, descending = sort_params(services.STAFF_SORTS, "name")
    page = db.paginate(
        services.staff_list(sort, descending),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/staff/list.html",
        page=page,
        sort=sort,
        descending=descending,
        role_form=RoleForm(),
        action_form=EmptyForm(),
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    """Add a coordinator or admin; they get an email to choose their password."""
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                db.session,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                actor=current_user,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                ip=client_ip(),
            )
        except ServiceError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            invitation_id = queue_claim_invitation(
                db.session,
                user,
                cars=[],
                reason=STAFF_INVITATION_REASON,
                dealership_name=dealership_profile(db.session)["name"],
                now=clock.now(),
            )
            db.session.commit()
            dispatch([invitation_id])
            flash(f"{user.name} is added; we've emailed them a link to set a password.", "success")
            return redirect(url_for("admin.staff"), 303)
    return render_template("admin/staff/new.html", form=form), (422 if form.errors else 200)


@bp.post("/staff/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Make a member of staff coordinator or admin, or take away their staff access."""
    user = _staff_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            changed = services.change_role(
                db.session, user=user, role=form.role.data, actor=current_user, ip=client_ip()
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            if changed:
                flash(f"{user.name} is now {user.role}.", "success")
    else:
        flash("Choose a role.", "error")
    return redirect(url_for("admin.staff"), 303)


@bp.post("/staff/<int:user_id>/deactivate")
@admin_required
def deactivate_staff(user_id: int):
    """Stop a member of staff signing in (they are signed out at once)."""
    user = _staff_or_404(user_id)
    if EmptyForm().validate_on_submit():
        try:
            services.deactivate_account(
                db.session, user=user, actor=current_user, now=clock.now(), ip=client_ip()
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{user.name} is deactivated and signed out.", "success")
    return redirect(url_for("admin.staff"), 303)


@bp.post("/staff/<int:user_id>/reactivate")
@admin_required
def reactivate_staff(user_id: int):
    """Let a deactivated member of staff sign in again."""
    user = _staff_or_404(user_id)
    if EmptyForm().validate_on_submit():
        services.reactivate_account(db.session, user=user, actor=current_user, ip=client_ip())
        db.session.commit()
        flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("admin.staff"), 303)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """The dealership's name, time zone and contact details."""
    form = DealershipForm(data=services.current_dealership(db.session))
    if form.validate_on_submit():
        try:
            values = {
                "name": form.name.data.strip(),
                "timezone": services.validate_timezone(form.timezone.data),
                "phone": _phone(form.phone.data),
                "email": (form.email.data or "").strip().lower(),
                "address": (form.address.data or "").strip(),
            }
            changes = services.update_dealership(
                db.session, values=values, actor=current_user, ip=client_ip()
            )
        except ServiceError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            db.session.commit()
            flash("Settings saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template(
        "admin/settings/dealership.html", form=form, timezones=sorted(available_timezones())
    ), (422 if form.errors else 200)


def _phone(raw: str | None) -> str:
    """The phone as people should dial it (E.164), or empty."""
    return normalise_phone(raw, current_app.config["PORTAL_PHONE_REGION"]) or ""
