"""Events, the owners' RSVPs to them, and each owner's calendar feed."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk


class EventKind(StrEnum):
    """What sort of gathering an event is."""

    CLINIC = "clinic"
    LAUNCH = "launch"
    MEET = "meet"
    CHARITY = "charity"
    VIP = "vip"


KIND_LABELS = {
    EventKind.CLINIC: "Car-care clinic",
    EventKind.LAUNCH: "Launch event",
    EventKind.MEET: "Owners' meet",
    EventKind.CHARITY: "Charity event",
    EventKind.VIP: "VIP experience",
}


class Audience(StrEnum):
    """Who may see an event and RSVP to it."""

    PUBLIC = "public"
    OWNERS = "owners"
    AMBASSADORS = "ambassadors"


AUDIENCE_LABELS = {
    Audience.PUBLIC: "Everyone (prospects can see it)",
    Audience.OWNERS: "Owners only",
    Audience.AMBASSADORS: "Ambassadors only",
}


class EventStatus(StrEnum):
    """Where an event is in its life: drafted, open to owners, or called off."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RsvpStatus(StrEnum):
    """Where an owner stands for an event."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


#: RSVPs in these states hold seats (an attendee keeps the seat they came in).
SEAT_HOLDING = (RsvpStatus.CONFIRMED, RsvpStatus.ATTENDED)


class Event(IdMixin, TimestampMixin, db.Model):
    """Something owners can come to, with a capacity that is never exceeded."""

    __tablename__ = "events"
    __table_args__ = (
        # The last line of defence: the conditional UPDATEs in services keep to it first.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_events_status_starts_at", "status", "starts_at", "id"),
        # The upcoming events (ends_at in the future) without walking every past one: a
        # dealership's history of events grows every year, its upcoming ones do not.
        Index("ix_events_status_ends_at", "status", "ends_at"),
    )

    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200))
    #: Aware UTC; entered and shown in the dealership's time zone.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: People the event can take, guests included.
    capacity: Mapped[int]
    #: Sum of (1 + guests) over RSVPs holding a seat; changed only by conditional UPDATEs.
    seats_taken: Mapped[int] = mapped_column(default=0)
    #: Plus-ones each RSVP may bring; they count toward capacity.
    guests_allowed: Mapped[int] = mapped_column(default=0)
    #: Owners bringing guests are asked each guest's name (registration questions).
    ask_guest_names: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: RSVPs open at this time (None: as soon as the event is published).
    rsvp_opens_at: Mapped[datetime | None]
    #: RSVPs close at this time (None: when the event starts).
    rsvp_closes_at: Mapped[datetime | None]
    audience: Mapped[str] = mapped_column(String(16), default=Audience.OWNERS)
    #: Ambassadors may RSVP this many days before `rsvp_opens_at`.
    early_access_days: Mapped[int] = mapped_column(default=0)
    #: Ambassadors go ahead of others on the waitlist.
    ambassador_priority: Mapped[bool] = mapped_column(default=False)
    #: Optional target vehicles: the owners this event suits (case-insensitive match).
    target_make: Mapped[str | None] = mapped_column(String(60))
    target_model: Mapped[str | None] = mapped_column(String(60))
    target_year_from: Mapped[int | None]
    target_year_to: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.DRAFT)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: What the coordinator told everyone when calling the event off.
    cancel_message: Mapped[str | None] = mapped_column(Text)
    #: iCalendar SEQUENCE: bumped on every change calendars should pick up.
    sequence: Mapped[int] = mapped_column(default=0)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def has_target(self) -> bool:
        return bool(self.target_make)

    @property
    def target_label(self) -> str:
        """'2019–2024 Mazda MX-5', for the coordinator and the owner."""
        if not self.target_make:
            return ""
        years = ""
        if self.target_year_from and self.target_year_to:
            years = f"{self.target_year_from}–{self.target_year_to} "
        elif self.target_year_from:
            years = f"{self.target_year_from}-on "
        elif self.target_year_to:
            years = f"up to {self.target_year_to} "
        return f"{years}{self.target_make} {self.target_model or ''}".strip()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


# The coordinators' list sorts by date or by title.
Index("ix_events_starts_at", Event.starts_at, Event.id)
Index("ix_events_lower_title_starts_at", func.lower(Event.title), Event.starts_at, Event.id)


@dataclass(frozen=True)
class GuestPerson:
    """A visitor with an RSVP, shown where an owner would be (name, email; no phone)."""

    name: str
    email: str
    phone: None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


class Rsvp(IdMixin, TimestampMixin, db.Model):
    """One owner's answer to one event: a seat, a place in the queue, or a cancellation."""

    __tablename__ = "rsvps"
    __table_args__ = (
        # A double-submitted RSVP stays one row.
        UniqueConstraint("event_id", "user_id"),
        Index("ix_rsvps_event_status", "event_id", "status"),
        CheckConstraint("guests >= 0", name="guests_not_negative"),
        # A visitor's RSVP (a prospect, no account) is one row per email per event, reused.
        UniqueConstraint("event_id", "guest_email"),
        CheckConstraint("user_id IS NOT NULL OR guest_email IS NOT NULL", name="owner_or_guest"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: The owner; None for a visitor's RSVP (`guest_name`, `guest_email`).
    user_id: Mapped[int | None] = user_fk(index=True)
    status: Mapped[str] = mapped_column(String(16))
    guests: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None]
    #: Queue time: the waitlist is ordered by (ambassador priority, this, id).
    waitlisted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: The owner's own cancellation remembers what it gave up (confirmed or waitlisted), so
    #: it can be undone for a short time; None once undone, re-RSVPed, or never cancelled.
    cancelled_from: Mapped[str | None] = mapped_column(String(16))
    checked_in_at: Mapped[datetime | None]
    #: The member of staff who checked the attendee in (None once their account is gone).
    checked_in_by_id: Mapped[int | None] = optional_user_fk()
    #: Guests who came in with the attendee, counted at the door (None until checked in).
    arrived_guests: Mapped[int | None]
    #: Check-ins so far, undone ones included: each one's attendance points have their own key.
    check_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Random per ticket; the ticket code is an HMAC of it under the app's secret key.
    ticket_nonce: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the ticket code, to find the RSVP when a ticket is scanned.
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: A visitor's RSVP, confirmed from an emailed link: their name and (lower-cased) email.
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    #: Random per confirmation: the emailed cancel link is signed over it, so a link from an
    #: earlier booking stops working once the visitor books again.
    guest_nonce: Mapped[str | None] = mapped_column(String(32))
    #: The seat came with a reward the owner redeemed (a "VIP seat"); only the team frees it.
    via_reward: Mapped[bool] = mapped_column(default=False, server_default=false())

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    checked_in_by: Mapped[User | None] = relationship(foreign_keys=[checked_in_by_id])

    @property
    def seats(self) -> int:
        """Seats this RSVP needs: the owner and their guests."""
        return 1 + self.guests

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def is_guest(self) -> bool:
        """A visitor's RSVP (a prospect without an account)."""
        return self.user_id is None

    @property
    def person(self) -> "User | GuestPerson":
        """Who the RSVP is for, as the staff pages show them: the owner or the visitor."""
        if self.user is not None:
            return self.user
        return GuestPerson(self.guest_name or "", self.guest_email or "")

    def __repr__(self) -> str:
        return f"<Rsvp {self.id} event={self.event_id} user={self.user_id} {self.status}>"


class CalendarFeed(IdMixin, TimestampMixin, db.Model):
    """An owner's personal calendar subscription; rotating the nonce retires the old URL."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = user_fk(unique=True)
    #: From `new_url_token()`; the URL token is an HMAC of it under the app's secret key.
    nonce: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the URL token, to find the feed from its URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The owner's service, warranty and recall reminders that are due soon or overdue
    #: appear in the feed as all-day entries, unless the owner turns them off.
    include_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())


class EventMessage(IdMixin, db.Model):
    """A message a coordinator sent to an event's attendees: who, when, to whom, what.

    Its `claim` is the preview's one-time token: a second submit of the same preview (a
    double click, a retried request) inserts nothing, so it is sent once.
    """

    __tablename__ = "event_messages"
    __table_args__ = (Index("ix_event_messages_event_created_at", "event_id", "created_at", "id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: The member of staff who sent it (None once their account is gone).
    sender_id: Mapped[int | None] = optional_user_fk()
    #: confirmed, waitlisted or both (`portal.events.services.broadcasts.AUDIENCES`).
    audience: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(150))
    #: The coordinator's words; each owner's copy adds their greeting and why they have it.
    body: Mapped[str] = mapped_column(Text)
    #: Owners it was queued for (every one in the inbox; email or text within consent).
    recipients: Mapped[int]
    #: The preview's one-time token; inserting it claims the send.
    claim: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]

    sender: Mapped[User | None] = relationship()
