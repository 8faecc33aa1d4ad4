"""Staff accounts and roles: admins only."""

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, render_template
from flask_login import current_user

from portal import clock
from portal.accounts import queries
from portal.accounts.forms import RoleForm, StaffForm
from portal.accounts.models import User
from portal.accounts.services import staff as services
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


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    """Add a coordinator or admin; they get an email to choose their password."""
    form = StaffForm()
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.create_staff(
                db.session,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                actor=current_user,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                dealership_name=dealership_profile(db.session)["name"],
                now=clock.now(),
                ip=client_ip(),
            ),
            form,
            "email",
        )
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


def _deactivate(user: User) -> int:
    return services.deactivate_account(
        db.session, user=user, actor=current_user, now=clock.now(), ip=client_ip()
    )


def _reactivate(user: User) -> None:
    services.reactivate_account(db.session, user=user, actor=current_user, ip=client_ip())


def _change_staff(user_id: int, change: Callable[[User], Any], done: str):
    """Run one change to a member of staff's account; flash `done` (with their name) after."""
    user = _staff_or_404(user_id)
    if EmptyForm().validate_on_submit() and perform(lambda: change(user)).ok:
        flash(done.format(name=user.name), "success")
    return see_other("admin.staff")


@bp.post("/staff/<int:user_id>/deactivate")
@admin_required
def deactivate_staff(user_id: int):
    """Stop a member of staff signing in (they are signed out at once)."""
    return _change_staff(user_id, _deactivate, "{name} is deactivated and signed out.")


@bp.post("/staff/<int:user_id>/reactivate")
@admin_required
def reactivate_staff(user_id: int):
    """Let a deactivated member of staff sign in again."""
    return _change_staff(user_id, _reactivate, "{name} can sign in again.")
