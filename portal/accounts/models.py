"""People who use the portal, and the login sessions that can be ended from the server."""

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk, utcnow
from portal.notifications.models import ContactChannel


class Role(StrEnum):
    """What a person may do: owners use the club, staff run it."""

    OWNER = "owner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


#: The tier level from which an owner counts as an ambassador (early RSVP, waitlist priority).
AMBASSADOR_LEVEL = 2

CHANNEL_LABELS = {
    ContactChannel.EMAIL: "Email",
    ContactChannel.SMS: "Text message",
    ContactChannel.PHONE: "Phone call",
    ContactChannel.INBOX: "Portal inbox only",
}


class User(UserMixin, IdMixin, TimestampMixin, db.Model):
    """An owner or a member of staff."""

    __tablename__ = "users"
    #: Lower-cased; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Full name as registered, e.g. for letters.
    name: Mapped[str] = mapped_column(String(120))
    #: What the portal calls them ("Sam"); falls back to the first name.
    display_name: Mapped[str | None] = mapped_column(String(60))
    #: E.164 form, validated with phonenumbers.
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_channel: Mapped[str] = mapped_column(String(16), default=ContactChannel.EMAIL)
    birthday: Mapped[date | None]
    birthday_messages: Mapped[bool] = mapped_column(default=False)
    consent_service: Mapped[bool] = mapped_column(default=True)
    consent_event_invites: Mapped[bool] = mapped_column(default=True)
    consent_recognition: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(16), default=Role.OWNER)
    #: Ambassador tier level (0 Member .. 3 Elite Ambassador), kept by the referrals service.
    tier_level: Mapped[int] = mapped_column(default=0)
    email_verified_at: Mapped[datetime | None]
    #: Set by an admin to stop the account signing in; history stays.
    deactivated_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    login_sessions: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: The login-session token this object was loaded with (set at login and by the loader).
    current_login_session_token = None  # str | None, never stored

    @property
    def first_name(self) -> str:
        return self.display_name or self.name.split()[0]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.deactivated_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        """Flask-Login's id: the user and the server-side login session it belongs to."""
        return f"{self.id}:{self.current_login_session_token or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# The staff lists of owners and of the team: each filters by role and sorts by name (as
# people read it, case aside) or by the day they joined.
Index("ix_users_role_lower_name", User.role, func.lower(User.name), User.id)
Index("ix_users_role_created_at", User.role, User.created_at, User.id)
# The ambassadors' wall reads only owners who opted in, from the first tier up: equality on
# the first two columns, a range on the third, and the rows in the wall's own order (highest
# tier first, then by name), so its first names are the index's first entries, not a sort of
# everyone on the wall.
Index(
    "ix_users_ambassador_wall",
    User.consent_recognition,
    User.role,
    User.tier_level.desc(),
    User.name,
    User.id,
)


class LoginSession(IdMixin, db.Model):
    """One signed-in browser; deleting the row signs that browser out everywhere it is copied."""

    __tablename__ = "login_sessions"

    user_id: Mapped[int] = user_fk(index=True)
    #: SHA-256 of the random token kept in the signed session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(back_populates="login_sessions")


class StaffNote(IdMixin, db.Model):
    """Something the team wants to remember about an owner ("asked about winter tyres")."""

    __tablename__ = "staff_notes"
    __table_args__ = (Index("ix_staff_notes_owner_created", "owner_id", "created_at"),)

    owner_id: Mapped[int] = user_fk()
    #: The member of staff who wrote it; kept as None if their account is ever removed.
    author_id: Mapped[int | None] = optional_user_fk()
    #: Plain text, shown escaped.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
