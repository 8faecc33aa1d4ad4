"""Account pages: register, verify, sign in and out, passwords, profile."""

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from portal import clock
from portal.accounts import bp, queries
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from portal.accounts.models import User
from portal.accounts.services import members
from portal.accounts.services.invitations import CLAIM_LINK_MAX_AGE
from portal.db import remember_read, write_in_own_transaction
from portal.dealership.queries import STORED_SETTINGS, StoredSettingsColumn
from portal.extensions import db, limiter, login_manager
from portal.forms import EmptyForm
from portal.mail import current_mailer
from portal.notifications.queries import UNREAD_COUNT, unread_of
from portal.sections import render_sections
from portal.security import is_safe_next, public_url, sign, unsign
from portal.templating import plural
from portal.web import Outcome, perform, see_other

#: The profile form's fields, each passed to `members.update_profile` under its own name.
PROFILE_FIELDS = (
    "display_name",
    "phone",
    "preferred_channel",
    "birthday",
    "birthday_messages",
    "consent_service",
    "consent_event_invites",
    "consent_recognition",
)


#: Read with the signed-in user: their unread messages, which every page's header shows, and
#: the dealership's settings, which nearly every page reads.
_WITH_THE_USER = (unread_of(User.id), StoredSettingsColumn())


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """Only a live server-side login session brings a user back. A page that only reads
    keeps the unread count and the settings read in the same statement
    (`portal.db.read_once`)."""
    row = members.signed_in_row(db.session, cookie_id, clock.now(), *_WITH_THE_USER)
    if row is None:
        return None
    user, unread, settings = row
    remember_read(UNREAD_COUNT, unread)
    remember_read(STORED_SETTINGS, settings or {})
    return user


#: Wrong passwords for one account from one client address: the limit a guesser meets first.
FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per minute;30 per hour"
#: Wrong passwords for one account from anywhere (NIST SP 800-63B asks for at most 100).
FAILURES_PER_ACCOUNT = "100 per hour"
#: Sign-in attempts from one address, right or wrong: each one costs a password hash.
ATTEMPTS_PER_ADDRESS = "20 per minute;100 per hour"
#: Reset requests: per address, and per account so many addresses cannot flood one inbox.
RESETS_PER_ADDRESS = "5 per 15 minutes"
RESETS_PER_ACCOUNT = "5 per hour"


def _posted_email() -> str:
    return members.normalise_email(request.form.get("email", ""))


def _login_account_key() -> str:
    return "login-account:" + _posted_email()


def _login_account_and_address_key() -> str:
    return f"login-account-address:{_posted_email()}|{request.remote_addr}"


def _reset_account_key() -> str:
    return "reset-account:" + _posted_email()


def _sign_in_failed(response) -> bool:
    """Only a refused password counts against the account limits, never a sign-in."""
    return g.get("sign_in_failed", False)


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _max_age(setting: str) -> int:
    """A link lifetime from the configuration, in seconds."""
    return int(current_app.config[setting].total_seconds())


def _home_or(target: str | None) -> str:
    """Where to go after signing in: `target` when it is a path on this site, else home."""
    return target if is_safe_next(target) else url_for("home.index")


def _email_link(user: User, subject: str, name: str, token: str) -> None:
    """Mail the user a link to the `accounts.<name>` page, written by `email/<name>.*`."""
    link = public_url(f"accounts.{name}", token=token)
    current_mailer().send(
        user.email,
        subject,
        render_template(f"email/{name}.txt", user=user, link=link),
        render_template(f"email/{name}.html", user=user, link=link),
    )


def _send_verification(user: User) -> None:
    token = sign("verify-email", members.verification_payload(user))
    _email_link(user, "Confirm your email for the Owners Club", "verify_email", token)


def _sign_in(user: User, remember: bool) -> None:
    session.clear()  # a fresh session id on login (fixation)
    perform(
        lambda: members.start_login_session(
            db.session,
            user,
            remember=remember,
            now=clock.now(),
            user_agent=request.headers.get("User-Agent"),
        )
    )
    login_user(user, remember=remember)


def _linked_user(purpose: str, token: str, max_age: int) -> User | None:
    """The account a reset or welcome link names, while the link is valid and unused."""
    return members.user_for_password_link(db.session, unsign(purpose, token, max_age))


def _set_password(user: User, form: ResetPasswordForm) -> Outcome:
    return perform(
        lambda: members.reset_password(
            db.session, user, form.password.data, _hash_method(), clock.now()
        ),
        form,
        "password",
    )


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """Create an owner account and send the verification link."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        outcome = perform(
            lambda: members.create_user(
                db.session,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                hash_method=_hash_method(),
            ),
            form,
            "email",
        )
        if outcome.ok:
            user = outcome.value
            _send_verification(user)
            _sign_in(user, remember=False)
            flash(
                f"Welcome to the club, {user.first_name}. We've sent a link to {user.email} "
                "to confirm it's you.",
                "success",
            )
            return see_other("home.index")
    return render_template("accounts/register.html", form=form)


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm an email address from the signed link."""
    payload = unsign("verify-email", token, _max_age("EMAIL_TOKEN_MAX_AGE"))
    if payload is None:
        flash("That confirmation link has expired or is not valid. Ask for a new one.", "error")
        return redirect(
            url_for("accounts.profile" if current_user.is_authenticated else "accounts.login")
        )
    user, newly = write_in_own_transaction(
        db.session, lambda: members.verify_email(db.session, payload, clock.now())
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
    return see_other("accounts.profile")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(ATTEMPTS_PER_ADDRESS, methods=["POST"])
@limiter.limit(
    FAILURES_PER_ACCOUNT_AND_ADDRESS,
    methods=["POST"],
    key_func=_login_account_and_address_key,
    deduct_when=_sign_in_failed,
)
@limiter.limit(
    FAILURES_PER_ACCOUNT,
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_sign_in_failed,
)
def login():
    """Sign in with email and password."""
    next_path = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(_home_or(next_path))
    form = LoginForm(next=next_path)
    if form.validate_on_submit():
        outcome = perform(
            lambda: members.authenticate(
                db.session, form.email.data, form.password.data, _hash_method()
            ),
            form,
            "password",
        )
        g.sign_in_failed = not outcome.ok
        if outcome.ok:
            _sign_in(outcome.value, remember=form.remember.data)
            flash(f"Welcome back, {outcome.value.first_name}.", "success")
            return redirect(_home_or(form.next.data), code=303)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """End this browser's login session on the server, then forget the cookie."""
    if current_user.is_authenticated:
        token = current_user.current_login_session_token
        perform(lambda: members.end_login_session(db.session, token))
    logout_user()
    session.clear()
    flash("You're signed out. See you soon.", "info")
    return see_other("accounts.login")


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(RESETS_PER_ADDRESS, methods=["POST"])
@limiter.limit(RESETS_PER_ACCOUNT, methods=["POST"], key_func=_reset_account_key)
def forgot_password():
    """Email a reset link; the answer is the same whether or not the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = members.account_to_reset(db.session, form.email.data)
        if user is not None:
            token = sign(
                "reset-password", {"uid": user.id, "fp": members.password_fingerprint(user)}
            )
            _email_link(user, "Reset your Owners Club password", "reset_password", token)
        flash(
            "If an account uses that email, a reset link is on its way. It works for two hours.",
            "info",
        )
        return see_other("accounts.login")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a one-time link."""
    user = _linked_user("reset-password", token, _max_age("PASSWORD_RESET_MAX_AGE"))
    if user is None:
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and _set_password(user, form).ok:
        logout_user()
        flash("Your password is changed. Sign in with the new one.", "success")
        return see_other("accounts.login")
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def claim_account(token: str):
    """Set the first password of an account the dealership created; then sign in."""
    user = _linked_user("claim-account", token, CLAIM_LINK_MAX_AGE)
    if user is None:
        flash(
            "That welcome link has expired or was already used. If you've set a password, "
            "sign in; otherwise ask for a reset link.",
            "error",
        )
        return redirect(url_for("accounts.login"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and _set_password(user, form).ok:
        _sign_in(user, remember=False)
        flash(f"Welcome to the club, {user.first_name}. Your garage is ready.", "success")
        return see_other("home.index")
    return render_template("accounts/claim_account.html", form=form, owner=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other browser is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        outcome = perform(
            lambda: members.change_password(
                db.session,
                current_user,
                current_password=form.current_password.data,
                new_password=form.password.data,
                hash_method=_hash_method(),
                keep_token=current_user.current_login_session_token,
            ),
            form,
            "password",
        )
        if outcome.ok:
            ended = outcome.value
            others = f" and signed out {plural(ended, 'other device')}" if ended else ""
            flash(f"Password changed{others}.", "success")
            return see_other("accounts.profile")
    return render_template("accounts/change_password.html", form=form)


@bp.post("/account/sign-out-others")
@login_required
def sign_out_other_devices():
    """End every login session but this one."""
    EmptyForm().validate_on_submit()
    ended = perform(
        lambda: members.end_other_login_sessions(
            db.session, current_user, current_user.current_login_session_token
        )
    ).value
    flash(f"Signed out of {plural(ended, 'other device')}.", "success")
    return see_other("accounts.profile")


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The owner's details, contact preferences and consents, and what we hold about them."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in PROFILE_FIELDS}
        region = current_app.config["PORTAL_PHONE_REGION"]
        outcome = perform(
            lambda: members.update_profile(current_user, phone_region=region, **changes),
            form,
            "phone",
        )
        if outcome.ok:
            flash("Your details are saved.", "success")
            return see_other("accounts.profile")
    return render_template(
        "accounts/profile.html",
        form=form,
        login_sessions=queries.count_login_sessions(db.session, current_user, clock.now()),
        empty_form=EmptyForm(),
        sections=render_sections("profile", current_user),
    )
