"""Staff accounts and roles: admins only."""

from flask import abort, current_app, flash, render_template
from flask_login import current_user

from portal import clock
from portal.accounts import queries, services
from portal.accounts.forms import RoleForm, StaffForm
from portal.accounts.invitations import queue_claim_invitation
from portal.accounts.models import User
from portal.dealership.queries import dealership_profile
from portal.extensions import db
from portal.forms import EmptyForm
from portal.web import admin_bp as bp
from portal.web import (
    admin_required,
    client_ip,
    form_page,
    paginate,
    perform,
    see_other,
    sort_params,
)

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
    sort, descending = sort_params(queries.STAFF_SORTS, "name")
    return render_template(
        "admin/staff/list.html",
        page=paginate(queries.staff_list(sort, descending)),
        sort=sort,
        descending=descending,
        role_form=RoleForm(),
        action_form=EmptyForm(),
    )


def _add_staff(form: StaffForm) -> User:
    """Create the account and queue its claim invitation, in one transaction."""
    user = services.create_staff(
        db.session,
        name=form.name.data,
        email=form.email.data,
        role=form.role.data,
        actor=current_user,
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        ip=client_ip(),
    )
    queue_claim_invitation(
        db.session,
        user,
        cars=[],
        reason=STAFF_INVITATION_REASON,
        dealership_name=dealership_profile(db.session)["name"],
        now=clock.now(),
    )
    return user


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    """Add a coordinator or admin; they get an email to choose their password."""
    form = StaffForm()
    if form.validate_on_submit():
        outcome = perform(lambda: _add_staff(form), form, "email")
        if outcome.ok:
            user = outcome.value
            flash(f"{user.name} is added; we've emailed them a link to set a password.", "success")
            return see_other("admin.staff")
    return form_page("admin/staff/new.html", form)


@bp.post("/staff/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Make a member of staff coordinator or admin, or take away their staff access."""
    user = _staff_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a role.", "error")
        return see_other("admin.staff")
    outcome = perform(
        lambda: services.change_role(
            db.session, user=user, role=form.role.data, actor=current_user, ip=client_ip()
        )
    )
    if outcome.ok and outcome.value:
        flash(f"{user.name} is now {user.role}.", "success")
    return see_other("admin.staff")


@bp.post("/staff/<int:user_id>/deactivate")
@admin_required
def deactivate_staff(user_id: int):
    """Stop a member of staff signing in (they are signed out at once)."""
    user = _staff_or_404(user_id)
    if EmptyForm().validate_on_submit():
        outcome = perform(
            lambda: services.deactivate_account(
                db.session, user=user, actor=current_user, now=clock.now(), ip=client_ip()
            )
        )
        if outcome.ok:
            flash(f"{user.name} is deactivated and signed out.", "success")
    return see_other("admin.staff")


@bp.post("/staff/<int:user_id>/reactivate")
@admin_required
def reactivate_staff(user_id: int):
    """Let a deactivated member of staff sign in again."""
    user = _staff_or_404(user_id)
    if EmptyForm().validate_on_submit():
        perform(
            lambda: services.reactivate_account(
                db.session, user=user, actor=current_user, ip=client_ip()
            )
        )
        flash(f"{user.name} can sign in again.", "success")
    return see_other("admin.staff")
