"""An account's own changes: sign-up, sign-in, login sessions, passwords, email, profile."""

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, delete, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import ContactChannel, LoginSession, Role, User
from portal.db import begins_read_only, page_rows
from portal.errors import ServiceError
from portal.phones import normalise_phone
from portal.security import hash_token, new_url_token

MIN_PASSWORD_LENGTH = 12
#: Generous, so passphrases fit, but bounded so hashing cannot be used to burn CPU.
MAX_PASSWORD_LENGTH = 1024
REMEMBERED_SESSION = timedelta(days=30)
BROWSER_SESSION = timedelta(hours=12)
#: One answer for an unknown email, a wrong password and a deactivated account.
WRONG_CREDENTIALS = (
    "That email and password don't match an account. Check both, or reset your password."
)


def normalise_email(email: str) -> str:
    """The form an email is stored and compared in."""
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or absurdly long; nothing is ever truncated."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            f"Use at least {MIN_PASSWORD_LENGTH} characters; a short phrase is easiest.",
            "password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"Use at most {MAX_PASSWORD_LENGTH} characters.", "password")


def hash_password(password: str, method: str) -> str:
    """Hash a password with the configured scrypt parameters."""
    return generate_password_hash(password, method=method)


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with this email, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    name: str,
    email: str,
    password: str,
    hash_method: str,
    role: Role = Role.OWNER,
    verified_at: datetime | None = None,
) -> User:
    """Create an account; refuses a taken email and a weak password."""
    check_password_rules(password)
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise ServiceError(
            "An account already uses this email. Sign in, or reset your password.", "email"
        )
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(password, hash_method),
        role=role,
        email_verified_at=verified_at,
    )
    session.add(user)
    session.flush()
    return user


def create_invited_owner(session: Session, *, name: str, email: str, hash_method: str) -> User:
    """An owner account the dealership creates (a purchase, an import) for the person to claim.

    Its password is random and unknown to anyone; the claim link sets the real one.
    """
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise ServiceError("An account already uses this email.", "email")
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(new_url_token(), hash_method),
        role=Role.OWNER,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, hash_method: str) -> User:
    """The active user these credentials belong to, rehashing a weaker stored hash.

    Refuses an unknown email, a wrong password and a deactivated account with one message.
    """
    user = find_user_by_email(session, email)
    if user is None:
        # Spend the same time as a real check so unknown emails are not revealed by timing.
        check_password_hash(_dummy_hash(hash_method), password)
        raise ServiceError(WRONG_CREDENTIALS, "password")
    if len(password) > MAX_PASSWORD_LENGTH or not check_password_hash(user.password_hash, password):
        raise ServiceError(WRONG_CREDENTIALS, "password")
    if not user.is_active:
        raise ServiceError(WRONG_CREDENTIALS, "password")
    if not user.password_hash.startswith(hash_method + "$"):
        user.password_hash = hash_password(password, hash_method)
    return user


@functools.cache
def _dummy_hash(method: str) -> str:
    """A throwaway hash per method, checked against when the email is unknown."""
    return generate_password_hash(new_url_token(), method=method)


def start_login_session(
    session: Session, user: User, *, remember: bool, now: datetime, user_agent: str | None
) -> str:
    """Record a new signed-in browser and return the token its cookie carries."""
    token = new_url_token()
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + (REMEMBERED_SESSION if remember else BROWSER_SESSION),
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    session.flush()
    user.current_login_session_token = token
    user.last_login_at = now
    return token


#: Built once: every signed-in request loads its user with it.
_SIGNED_IN_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
    )
)


def load_user_for_login(session: Session, cookie_id: str, now: datetime) -> User | None:
    """The user behind a Flask-Login id, only while its login session is alive."""
    row = signed_in_row(session, cookie_id, now)
    return row[0] if row is not None else None


@functools.cache
def _signed_in_statement(columns: tuple) -> Select:
    return _SIGNED_IN_USER.add_columns(*columns)


_USER_MAPPER = inspect(User)
#: The user's table columns and the attribute each loads, for loads that skip the ORM.
_USER_COLUMNS = tuple(_USER_MAPPER.columns)
_USER_KEYS = tuple(_USER_MAPPER.get_property_by_column(column).key for column in _USER_COLUMNS)
_USER_ID_AT = _USER_KEYS.index("id")


@functools.cache
def _signed_in_columns(columns: tuple) -> Select:
    return _signed_in_statement(columns).with_only_columns(*_USER_COLUMNS, *columns)


def signed_in_row(session: Session, cookie_id: str, now: datetime, *columns) -> tuple | None:
    """(the user behind a Flask-Login id, then `columns` read in the same statement: facts
    about them every page shows), only while its login session is alive. `columns` are
    built once by the caller (each set makes its own statement, kept).

    A reading request loads the user's columns on the driver (`portal.driver_reads`) and
    puts the user in the session as a query would have (`_user_in_session`); anything else
    loads through the ORM."""
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    values = {"user_id": int(user_id), "token_hash": hash_token(token), "now": now}
    if begins_read_only():
        row = page_rows(session, _signed_in_columns(columns), values).first()
        if row is None:
            return None
        width = len(_USER_KEYS)
        user = _user_in_session(session, row[:width])
        extra = tuple(row[width:])
    else:
        row = session.execute(_signed_in_statement(columns), values).first()
        if row is None:
            return None
        user, *rest = row
        extra = tuple(rest)
    user.current_login_session_token = token
    return (user, *extra)


def _user_in_session(session: Session, values: Sequence) -> User:
    """The user whose columns are `values`, in `session` as a query would leave them: the
    one already there, else a new one that is persistent and clean (its relationships load
    when first used, as after a query)."""
    identity = _USER_MAPPER.identity_key_from_primary_key((values[_USER_ID_AT],))
    user = session.identity_map.get(identity)
    if user is None:
        user = _USER_MAPPER.class_manager.new_instance()
        user.__dict__.update(zip(_USER_KEYS, values, strict=True))
        make_transient_to_detached(user)
        session.add(user)
    return user


def end_login_session(session: Session, token: str | None) -> None:
    """Sign one browser out; copies of its cookie stop working too."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def end_other_login_sessions(session: Session, user: User, keep_token: str | None) -> int:
    """Sign the user out of every browser but this one; returns how many were ended."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        statement = statement.where(LoginSession.token_hash != hash_token(keep_token))
    return session.execute(statement).rowcount


def change_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    hash_method: str,
    keep_token: str | None,
) -> int:
    """Change a password after checking the current one; ends every other login session."""
    if not check_password_hash(user.password_hash, current_password):
        raise ServiceError("That is not your current password.", "current_password")
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password, hash_method)
    return end_other_login_sessions(session, user, keep_token)


def reset_password(
    session: Session, user: User, new_password: str, hash_method: str, now: datetime
) -> None:
    """Set a new password from a reset or welcome link; every login session ends.

    The link reached the person's inbox, so it also proves their email address.
    """
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password, hash_method)
    end_other_login_sessions(session, user, keep_token=None)
    if user.email_verified_at is None:
        user.email_verified_at = now


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a reset link works only once."""
    return hash_token(user.password_hash)[:16]


def user_for_password_link(session: Session, payload: dict | None) -> User | None:
    """The account a reset or welcome link was signed for, while its password is unchanged."""
    user = session.get(User, payload["uid"]) if payload else None
    if user is None or payload["fp"] != password_fingerprint(user):
        return None
    return user


def account_to_reset(session: Session, email: str) -> User | None:
    """The account a reset link may be sent for: known and not deactivated."""
    user = find_user_by_email(session, email)
    return user if user is not None and user.is_active else None


def verification_payload(user: User) -> dict:
    """What an email-verification link signs."""
    return {"uid": user.id, "email": user.email}


def verify_email(session: Session, payload: dict, now: datetime) -> tuple[User | None, bool]:
    """Mark the email in a verification link verified; returns (user, newly_verified)."""
    user = session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None, False
    if user.email_verified_at is not None:
        return user, False
    user.email_verified_at = now
    return user, True


def update_profile(
    user: User,
    *,
    display_name: str | None,
    phone: str | None,
    phone_region: str,
    preferred_channel: str,
    birthday: date | None,
    birthday_messages: bool,
    consent_service: bool,
    consent_event_invites: bool,
    consent_recognition: bool,
) -> None:
    """Apply profile changes; a text-message preference needs a phone number."""
    normalised_phone = normalise_phone(phone, phone_region)
    channel = ContactChannel(preferred_channel)
    if channel in (ContactChannel.SMS, ContactChannel.PHONE) and not normalised_phone:
        raise ServiceError("Add a phone number so we can reach you that way.", "phone")
    user.display_name = (display_name or "").strip() or None
    user.phone = normalised_phone
    user.preferred_channel = channel
    user.birthday = birthday
    user.birthday_messages = birthday_messages and birthday is not None
    user.consent_service = consent_service
    user.consent_event_invites = consent_event_invites
    user.consent_recognition = consent_recognition


def fill_in_missing_details(
    user: User, *, phone: str | None = None, birthday: date | None = None
) -> list[str]:
    """Fill in a phone or birthday the owner has not given, from the dealership's records;
    never replace one they entered. Returns the names of the details filled in."""
    filled = []
    if phone and not user.phone:
        user.phone = phone
        filled.append("phone")
    if birthday and user.birthday is None:
        user.birthday = birthday
        filled.append("birthday")
    return filled


def lock_owner(session: Session, user_id: int) -> None:
    """Hold the owner's row until commit, so balance checks for one owner run one at a time.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite: the clause is dropped, and BEGIN IMMEDIATE
    (portal/db.py) already serialises the whole transaction.
    """
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
