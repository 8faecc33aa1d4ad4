"""Tables of imports: each uploaded dealer-system file, and the planned row of each line."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models import IdMixin, optional_user_fk, utcnow


class ImportStatus(StrEnum):
    """Where an uploaded file is: previewed, being applied, applied, or expired unapplied."""

    PREVIEWED = "previewed"
    APPLYING = "applying"
    APPLIED = "applied"
    #: A preview that can no longer be applied (its plan was dropped): upload the file again.
    EXPIRED = "expired"


class ImportBatch(IdMixin, db.Model):
    """One uploaded dealer-system file; its planned rows are `ImportRow`s, which apply runs."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_sha256", "sha256"),)

    filename: Mapped[str] = mapped_column(String(255))
    #: Hex SHA-256 of the uploaded bytes: the same file is recognised when it comes again.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = optional_user_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.PREVIEWED)
    row_count: Mapped[int] = mapped_column(default=0)
    #: Counts by outcome, as shown on the preview.
    summary: Mapped[Any] = mapped_column(JSON)
    #: Counts by outcome after applying, and how many rows were skipped because the data
    #: changed meanwhile (each skipped row says why in `ImportRow.skipped_reason`).
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    applied_at: Mapped[datetime | None]
    applied_by_id: Mapped[int | None] = optional_user_fk()

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])


class ImportRow(db.Model):
    """One line of an uploaded file as planned: what applying it does, or why it cannot.

    Written a chunk at a time while the upload is read, and read a page or a chunk at a
    time by the preview and by apply, so no step holds a whole file.
    """

    __tablename__ = "import_rows"
    __table_args__ = (
        Index("ix_import_rows_batch_outcome_line", "batch_id", "outcome", "line"),
        Index("ix_import_rows_batch_email", "batch_id", "email"),
        Index("ix_import_rows_batch_vin", "batch_id", "vin"),
    )

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    #: The spreadsheet row number: the header is row 1.
    line: Mapped[int] = mapped_column(primary_key=True)
    #: create, update, unchanged or rejected (`rules.OUTCOMES`).
    outcome: Mapped[str] = mapped_column(String(16))
    #: The normalised email and VIN (None when the cell was not valid): what later lines of
    #: the same file are matched on.
    email: Mapped[str | None] = mapped_column(String(254))
    vin: Mapped[str | None] = mapped_column(String(17))
    #: create, same_as_earlier_row, update or unchanged; None on a rejected row.
    owner_action: Mapped[str | None] = mapped_column(String(24))
    #: create, update or unchanged; None on a rejected row.
    vehicle_action: Mapped[str | None] = mapped_column(String(16))
    #: On the first line of each VIN only: a digest of its values, which a later line with
    #: the same VIN is compared with ("duplicate of row N" or "also on row N").
    vin_fingerprint: Mapped[str | None] = mapped_column(String(16))
    #: The owner's first planned line, which carries their phone and birthday.
    first_of_owner: Mapped[bool] = mapped_column(default=False)
    #: The clean values of the line (name, phone, make, model, dates, miles...).
    values: Mapped[Any] = mapped_column(JSON)
    #: What apply does: the owner and car it expects (ids), their changes, the service visit.
    changes: Mapped[Any] = mapped_column(JSON)
    #: {"errors": [...], "warnings": [...]}: reasons to reject the line, and notes.
    problems: Mapped[Any] = mapped_column(JSON)
    #: Set by apply when the database changed since the preview and the line was left alone.
    skipped_reason: Mapped[str | None] = mapped_column(Text)

    def entry(self) -> dict[str, Any]:
        """The line as one flat dict, the shape the preview page and apply read."""
        return {
            **self.values,
            **self.changes,
            **self.problems,
            "row": self.line,
            "outcome": self.outcome,
            "email": self.email,
            "vin": self.vin,
            "owner_action": self.owner_action,
            "vehicle_action": self.vehicle_action,
            "vin_fingerprint": self.vin_fingerprint,
            "first_of_owner": self.first_of_owner,
            "skipped_reason": self.skipped_reason,
        }
