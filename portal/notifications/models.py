"""One row per message to one person; its unique key is the claim that makes it sent once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import IdMixin, user_fk, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User


class ContactChannel(StrEnum):
    """How an owner prefers to hear from the dealership."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    INBOX = "inbox"


class DeliveryStatus(StrEnum):
    """Where a message is on its way out."""

    PENDING = "pending"  # claimed, not yet handed to a channel
    SENDING = "sending"  # a dispatcher has it
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried on the next run
    INBOX_ONLY = "inbox_only"  # the owner chose the inbox (or a phone call from staff)
    FOLDED = "folded"  # over the owner's weekly budget: in the inbox, and in the next digest
    REPEAT = "repeat"  # its topic already reached the owner's email or phone: inbox only


class Notification(IdMixin, db.Model):
    """A message in an owner's inbox, and its delivery on their preferred channel."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        Index("ix_notifications_status", "status", "id"),
        # The delivery log: newest first or by kind, over every message or one status's.
        Index("ix_notifications_created_at", "created_at", "id"),
        Index("ix_notifications_status_created_at", "status", "created_at", "id"),
        Index("ix_notifications_kind", "kind", "id"),
        Index("ix_notifications_status_kind", "status", "kind", "id"),
        Index("ix_notifications_topic", "topic"),
        Index("ix_notifications_digest_id", "digest_id"),
    )

    user_id: Mapped[int] = user_fk()
    #: Unique per message, e.g. "reminder:service:vehicle-12:2026-05-01"; inserting it claims it.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    #: service, warranty, recall, birthday, anniversary, seasonal, event, referral, reward, ...
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    #: Plain text; shown escaped in the inbox and turned into paragraphs in email.
    body: Mapped[str] = mapped_column(Text)
    #: A path in the portal that says what to do next ("/reminders"), optional.
    action_path: Mapped[str | None] = mapped_column(String(300))
    action_label: Mapped[str | None] = mapped_column(String(80))
    #: email, sms, phone or inbox, copied from the owner's preference when created.
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: What it is about across its versions (a reminder's key, whether due soon or overdue):
    #: the owner's email or phone hears about a topic once; the inbox gets every version.
    topic: Mapped[str | None] = mapped_column(String(200))
    #: Counts against the owner's weekly message budget (not replies to what they just did).
    budgeted: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The digest a folded message went out in, once it has.
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
