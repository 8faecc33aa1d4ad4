"""Tables of imports: each uploaded dealer-system file with the plan its preview showed."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models import IdMixin, optional_user_fk, utcnow


class ImportStatus(StrEnum):
    """Where an uploaded file is: previewed, being applied, applied, or abandoned."""

    PREVIEWED = "previewed"
    APPLYING = "applying"
    APPLIED = "applied"


class ImportBatch(IdMixin, db.Model):
    """One uploaded dealer-system file and the plan its preview showed; apply runs that plan."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_sha256", "sha256"),)

    filename: Mapped[str] = mapped_column(String(255))
    #: Hex SHA-256 of the uploaded bytes: the same file is recognised when it comes again.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = optional_user_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.PREVIEWED)
    row_count: Mapped[int] = mapped_column(default=0)
    #: Every row as parsed, with its planned action or the reasons it is rejected.
    plan: Mapped[Any] = mapped_column(JSON)
    #: Counts by outcome, as shown on the preview.
    summary: Mapped[Any] = mapped_column(JSON)
    #: Counts by outcome after applying, and rows skipped because the data changed meanwhile.
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    applied_at: Mapped[datetime | None]
    applied_by_id: Mapped[int | None] = optional_user_fk()

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
