"""Reads for the import pages and for planning: earlier imports, preview rows, lookups."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import User
from portal.garage.models import Vehicle
from portal.imports.models import ImportBatch, ImportStatus
from portal.imports.rules import OUTCOMES, chunks

#: Which rows of a preview can be shown: each outcome, the changes and rejections, or all.
ROW_FILTERS = (*OUTCOMES, "changes", "all")


def users_by_email(session: Session, emails: Iterable[str]) -> dict[str, User]:
    """The accounts with these emails, by email."""
    found: dict[str, User] = {}
    for chunk in chunks(sorted(set(emails))):
        found.update(
            (u.email, u) for u in session.scalars(select(User).where(User.email.in_(chunk)))
        )
    return found


def active_vehicles_by_vin(session: Session, vins: Iterable[str]) -> dict[str, Vehicle]:
    """The cars with these VINs that are still on the road with an owner, by VIN."""
    found: dict[str, Vehicle] = {}
    for chunk in chunks(sorted(set(vins))):
        statement = select(Vehicle).where(Vehicle.vin.in_(chunk), Vehicle.retired_at.is_(None))
        found.update((v.vin, v) for v in session.scalars(statement))
    return found


def import_history() -> Select:
    """Every upload, newest first, with who uploaded it."""
    return (
        select(ImportBatch)
        .options(joinedload(ImportBatch.uploaded_by))
        .order_by(ImportBatch.id.desc())
    )


def previous_imports_of(session: Session, batch: ImportBatch) -> list[ImportBatch]:
    """Earlier applied imports of the very same file."""
    return list(
        session.scalars(
            select(ImportBatch)
            .where(
                ImportBatch.sha256 == batch.sha256,
                ImportBatch.id != batch.id,
                ImportBatch.status == ImportStatus.APPLIED,
            )
            .order_by(ImportBatch.id.desc())
        )
    )


def row_filter(requested: str | None) -> str:
    """The preview rows asked for, or the changes and rejections when the ask is unknown."""
    return requested if requested in ROW_FILTERS else "changes"


@dataclass(frozen=True)
class PlanPage:
    """One page of a preview's rows: `rows` of `total`, page `number` of `pages`."""

    rows: list[dict]
    total: int
    number: int
    pages: int


def plan_page(batch: ImportBatch, show: str, number: int, per_page: int) -> PlanPage:
    """The rows of the plan that `show` picks, one page of them (past the end: the last)."""
    if show == "changes":
        rows = [entry for entry in batch.plan if entry["outcome"] != "unchanged"]
    elif show == "all":
        rows = batch.plan
    else:
        rows = [entry for entry in batch.plan if entry["outcome"] == show]
    pages = max((len(rows) + per_page - 1) // per_page, 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    return PlanPage(rows[start : start + per_page], len(rows), number, pages)


def skipped_reasons(batch: ImportBatch) -> dict[int, str]:
    """Why apply skipped each row it skipped, by row number (empty before it is applied)."""
    return {item["row"]: item["reason"] for item in (batch.result or {}).get("skipped", [])}
