"""Account pages: register, verify, sign in and out, passwords, profile."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal import clock
from portal.accounts import bp, services
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.accounts.invitations import CLAIM_LINK_MAX_AGE
from portal.accounts.models import User
from portal.db import write_in_own_transaction
from portal.errors import ServiceError
from portal.extensions import db, limiter, login_manager
from portal.forms import EmptyForm
from portal.mail import current_mailer
from portal.sections import render_sections
from portal.security import is_safe_next, sign, unsign


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """Only a live server-side login session brings a user back."""
    return services.load_user_for_login(db.session, cookie_id, clock.now())


def _login_email_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))


def _send_verification(user: User) -> None:
    token = sign("verify-email", services.verification_payload(user))
    link = url_for("accounts.verify_email", token=token, _external=True)
    current_mailer().send(
        user.email,
        "Confirm your email for the Owners Club",
        render_template("email/verify_email.txt", user=user, link=link),
        render_template("email/verify_email.html", user=user, link=link),
    )


def _sign_in(user: User, remember: bool) -> None:
    session.clear()  # a fresh session id on login (fixation)
    services.start_login_session(
        db.session,
        user,
        remember=remember,
        now=clock.now(),
        user_agent=request.headers.get("User-Agent"),
    )
    db.session.commit()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """Create an owner account and send the verification link."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                db.session,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
        except ServiceError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            _send_verification(user)
            _sign_in(user, remember=False)
            flash(
                f"Welcome to the club, {user.first_name}. We've sent a link to {user.email} "
                "to confirm it's you.",
                "success",
            )
            return redirect(url_for("home.index"), code=303)
    return render_template("accounts/register.html", form=form)


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm an email address from the signed link."""
    max_age = int(current_app.config["EMAIL_TOKEN_MAX_AGE"].total_seconds())
    payload = unsign("verify-email", token, max_age)
    if payload is None:
        flash("That confirmation link has expired or is not valid. Ask for a new one.", "error")
        return redirect(
            url_for("accounts.profile" if current_user.is_authenticated else "accounts.login")
        )
    user, newly = write_in_own_transaction(
        db.session, lambda: services.verify_email(db.session, payload, clock.now())
    )
    if user is None:
        abort(404)
    if newly:
        flash(f"Thank you, {user.first_name}: your email is confirmed.", "success")
    else:
        flash("This link was already used; your email is confirmed.", "info")
    return redirect(url_for("home.index"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    """Send the confirmation link again."""
    if not current_user.is_verified:
        _send_verification(current_user)
        flash(f"We've sent a fresh link to {current_user.email}.", "success")
    return redirect(url_for("accounts.profile"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour", methods=["POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"], key_func=_login_email_key)
def login():
    """Sign in with email and password."""
    next_path = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_path if is_safe_next(next_path) else url_for("home.index"))
    form = LoginForm(next=next_path)
    if form.validate_on_submit():
        user = services.authenticate(
            db.session,
            form.email.data,
            form.password.data,
            current_app.config["PASSWORD_HASH_METHOD"],
        )
        if user is None:
            form.password.errors.append(
                "That email and password don't match an account. Check both, or reset your "
                "password."
            )
        else:
            _sign_in(user, remember=form.remember.data)
            flash(f"Welcome back, {user.first_name}.", "success")
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("home.index"), code=303)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """End this browser's login session on the server, then forget the cookie."""
    if current_user.is_authenticated:
        services.end_login_session(db.session, current_user.current_login_session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You're signed out. See you soon.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(db.session, form.email.data)
        if user is not None and user.is_active:
            token = sign(
                "reset-password",
                {"uid": user.id, "fp": services.password_fingerprint(user)},
            )
            link = url_for("accounts.reset_password", token=token, _external=True)
            current_mailer().send(
                user.email,
                "Reset your Owners Club password",
                render_template("email/reset_password.txt", user=user, link=link),
                render_template("email/reset_password.html", user=user, link=link),
            )
        flash(
            "If an account uses that email, a reset link is on its way. It works for two hours.",
            "info",
        )
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a one-time link."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds())
    payload = unsign("reset-password", token, max_age)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or payload["fp"] != services.password_fingerprint(user):
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(
                db.session, user, form.password.data, current_app.config["PASSWORD_HASH_METHOD"]
            )
        except ServiceError as error:
            form.password.errors.append(error.message)
        else:
            if user.email_verified_at is None:
                user.email_verified_at = clock.now()  # the link proved the address
            db.session.commit()
            logout_user()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def claim_account(token: str):
    """Set the first password of an account the dealership created; then sign in."""
    payload = unsign("claim-account", token, CLAIM_LINK_MAX_AGE)
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or payload["fp"] != services.password_fingerprint(user):
        flash(
            "That welcome link has expired or was already used. If you've set a password, "
            "sign in; otherwise ask for a reset link.",
            "error",
        )
        return redirect(url_for("accounts.login"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.claim_account(
                db.session,
                user,
                form.password.data,
                current_app.config["PASSWORD_HASH_METHOD"],
                clock.now(),
            )
        except ServiceError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            _sign_in(user, remember=False)
            flash(f"Welcome to the club, {user.first_name}. Your garage is ready.", "success")
            return redirect(url_for("home.index"), code=303)
    return render_template("accounts/claim_account.html", form=form, owner=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other browser is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(
                db.session,
                current_user,
                current_password=form.current_password.data,
                new_password=form.password.data,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                keep_token=current_user.current_login_session_token,
            )
        except ServiceError as error:
            getattr(form, error.field or "password").errors.append(error.message)
        else:
            db.session.commit()
            others = (
                f" and signed out {ended} other device{'s' if ended != 1 else ''}" if ended else ""
            )
            flash(f"Password changed{others}.", "success")
            return redirect(url_for("accounts.profile"), code=303)
    return render_template("accounts/change_password.html", form=form)


@bp.post("/account/sign-out-others")
@login_required
def sign_out_other_devices():
    """End every login session but this one."""
    EmptyForm().validate_on_submit()
    ended = services.end_other_login_sessions(
        db.session, current_user, current_user.current_login_session_token
    )
    db.session.commit()
    flash(f"Signed out of {ended} other device{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("accounts.profile"), code=303)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The owner's details, contact preferences and consents, and what we hold about them."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=form.display_name.data,
                phone=form.phone.data,
                phone_region=current_app.config["PORTAL_PHONE_REGION"],
                preferred_channel=form.preferred_channel.data,
                birthday=form.birthday.data,
                birthday_messages=form.birthday_messages.data,
                consent_service=form.consent_service.data,
                consent_event_invites=form.consent_event_invites.data,
                consent_recognition=form.consent_recognition.data,
            )
        except ServiceError as error:
            getattr(form, error.field or "phone").errors.append(error.message)
        else:
            db.session.commit()
            flash("Your details are saved.", "success")
            return redirect(url_for("accounts.profile"), code=303)
    sessions = services.count_login_sessions(db.session, current_user, clock.now())
    return render_template(
        "accounts/profile.html",
        form=form,
        login_sessions=sessions,
        empty_form=EmptyForm(),
        sections=render_sections("profile", current_user),
    )
