"""Invite codes and the friends owners refer (prospects moving through the pipeline)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.events.models import Rsvp
from portal.extensions import db
from portal.models import IdMixin, TimestampMixin, optional_user_fk, user_fk, utcnow


class Stage(StrEnum):
    """Where a referred friend is on the way to becoming an owner."""

    INVITED = "invited"
    CONTACTED = "contacted"
    TEST_DRIVE = "test_drive"
    PURCHASED = "purchased"
    LOST = "lost"


STAGE_LABELS = {
    Stage.INVITED: "Invited",
    Stage.CONTACTED: "Contacted",
    Stage.TEST_DRIVE: "Test drive",
    Stage.PURCHASED: "Purchased",
    Stage.LOST: "Lost",
}


class Source(StrEnum):
    """The channel an owner shared their invite link through (the link's `?src=`)."""

    SHARE = "share"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    COPY = "copy"
    QR = "qr"


SOURCE_LABELS = {
    Source.SHARE: "Share button",
    Source.SMS: "Text message",
    Source.WHATSAPP: "WhatsApp",
    Source.EMAIL: "Email",
    Source.COPY: "Copied link",
    Source.QR: "QR code",
}


class ProspectContact(StrEnum):
    """How a prospect would like the dealership to get in touch."""

    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


CONTACT_LABELS = {
    ProspectContact.EMAIL: "Email",
    ProspectContact.PHONE: "Phone call",
    ProspectContact.SMS: "Text message",
}


class InviteCode(IdMixin, db.Model):
    """An owner's personal invite link; regenerating it replaces the row's seed and hash."""

    __tablename__ = "invite_codes"

    user_id: Mapped[int] = user_fk(unique=True)
    #: Random seed from `secrets`; the code shown to the owner is an HMAC of it (see services).
    seed: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the code in the link: the only thing a landing page looks up.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Referral(IdMixin, TimestampMixin, db.Model):
    """A friend an owner referred, from the landing-page form to a purchase (or not)."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_stage", "stage", "id"),)

    #: The owner who referred them (the first referrer wins); None when the link was unknown.
    referrer_id: Mapped[int | None] = optional_user_fk(index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Lower-cased; unique, so a friend is referred once.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_contact: Mapped[str] = mapped_column(String(16), default=ProspectContact.EMAIL)
    model_of_interest: Mapped[str | None] = mapped_column(String(120))
    #: The prospect agreed to be contacted about the car (required to submit the form).
    consent_contact: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[str] = mapped_column(String(16), default=Stage.INVITED)
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set at purchase: the VIN sold, and the owner account and car created for the friend.
    vin: Mapped[str | None] = mapped_column(String(17))
    owner_id: Mapped[int | None] = optional_user_fk()
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    #: The coordinator's working note (who called, what was said).
    note: Mapped[str | None] = mapped_column(Text)
    #: How the owner shared the link that brought them (`SOURCE_LABELS`); None if unknown.
    source: Mapped[str | None] = mapped_column(String(16))
    #: Their RSVP (as a visitor) to an event, and when it was confirmed; whether they came
    #: is the RSVP's own check-in, so an undone check-in is undone here too.
    rsvp_id: Mapped[int | None] = mapped_column(ForeignKey("rsvps.id", ondelete="SET NULL"))
    rsvped_at: Mapped[datetime | None]

    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])
    rsvp: Mapped[Rsvp | None] = relationship()

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[Stage(self.stage)]


# The pipeline sorts by the last move, the friend's name or the day referred, over every
# referral or one stage's.
Index("ix_referrals_stage_changed_at", Referral.stage_changed_at, Referral.id)
Index("ix_referrals_lower_name", func.lower(Referral.name), Referral.id)
Index("ix_referrals_created_at", Referral.created_at, Referral.id)
Index("ix_referrals_stage_stage_changed_at", Referral.stage, Referral.stage_changed_at, Referral.id)
Index("ix_referrals_stage_lower_name", Referral.stage, func.lower(Referral.name), Referral.id)
Index("ix_referrals_stage_created_at", Referral.stage, Referral.created_at, Referral.id)
# The pipeline's tabs and its "came through" line count referrals by stage and channel from
# this index alone, in its order (no table rows, no sorting).
Index("ix_referrals_stage_source", Referral.stage, Referral.source)
