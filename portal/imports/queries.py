"""Reads for the import pages, planning and applying: earlier imports, planned lines, lookups.

Planned lines are only ever read a page or a chunk at a time.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import User
from portal.garage.models import ServiceRecord, Vehicle
from portal.imports.models import ImportBatch, ImportRow, ImportStatus
from portal.imports.rules import OUTCOMES, chunks

#: Which rows of a preview can be shown: each outcome, the changes and rejections, or all.
ROW_FILTERS = (*OUTCOMES, "changes", "all")
#: Lines apply writes: the others change nothing.
TO_APPLY = ("create", "update")
#: How a line makes an owner the import creates.
NEW_OWNER_ACTIONS = ("create", "same_as_earlier_row")


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


def services_on_file(session: Session, vehicle_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(car id, ISO date) of every visit on these cars' service history."""
    found: set[tuple[int, str]] = set()
    for chunk in chunks(sorted(set(vehicle_ids))):
        statement = select(ServiceRecord.vehicle_id, ServiceRecord.performed_on).where(
            ServiceRecord.vehicle_id.in_(chunk)
        )
        found.update(
            (vehicle_id, day.isoformat()) for vehicle_id, day in session.execute(statement)
        )
    return found


def first_lines_of_vins(
    session: Session, batch_id: int, vins: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """The line already planned first for each of these VINs: its number and fingerprint."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(set(vins))):
        statement = select(ImportRow.vin, ImportRow.line, ImportRow.vin_fingerprint).where(
            ImportRow.batch_id == batch_id,
            ImportRow.vin.in_(chunk),
            ImportRow.vin_fingerprint.is_not(None),
        )
        found.update((vin, (line, print_)) for vin, line, print_ in session.execute(statement))
    return found


def first_lines_of_owners(
    session: Session, batch_id: int, emails: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Each of these owners' first planned line, as an entry marked `earlier`."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(set(emails))):
        statement = (
            select(ImportRow)
            .where(
                ImportRow.batch_id == batch_id,
                ImportRow.email.in_(chunk),
                ImportRow.first_of_owner.is_(True),
            )
            .execution_options(populate_existing=True)
        )
        found.update(
            (row.email, row.entry() | {"earlier": True}) for row in session.scalars(statement)
        )
    return found


def lines_to_apply(session: Session, batch_id: int, after_line: int, size: int) -> list[dict]:
    """The next `size` lines that change something, after line `after_line`, as entries."""
    statement = (
        select(ImportRow)
        .where(
            ImportRow.batch_id == batch_id,
            ImportRow.outcome.in_(TO_APPLY),
            ImportRow.line > after_line,
        )
        .order_by(ImportRow.line)
        .limit(size)
        .execution_options(populate_existing=True)
    )
    return [row.entry() for row in session.scalars(statement)]


def _applied_new_owner_lines() -> Select:
    return select(ImportRow.email).where(
        ImportRow.owner_action.in_(NEW_OWNER_ACTIONS),
        ImportRow.outcome.in_(TO_APPLY),
        ImportRow.skipped_reason.is_(None),
    )


def owners_created_before(
    session: Session, batch_id: int, emails: Iterable[str], line: int
) -> set[str]:
    """Which of these emails had their account created by this import on a line before
    `line` (apply goes in line order, so those lines are done)."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(emails))):
        statement = (
            _applied_new_owner_lines()
            .where(
                ImportRow.batch_id == batch_id, ImportRow.email.in_(chunk), ImportRow.line < line
            )
            .distinct()
        )
        found.update(session.scalars(statement))
    return found


def new_owner_emails_after(
    session: Session, batch_id: int, after_email: str, size: int
) -> list[str]:
    """The next `size` emails (in order) of owners an applied import created."""
    return list(
        session.scalars(
            _applied_new_owner_lines()
            .where(ImportRow.batch_id == batch_id, ImportRow.email > after_email)
            .group_by(ImportRow.email)
            .order_by(ImportRow.email)
            .limit(size)
        )
    )


def cars_of(session: Session, owner_ids: Iterable[int]) -> dict[int, list[str]]:
    """The labels of these owners' cars on the road, oldest registration first, by owner."""
    cars: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(owner_ids))):
        statement = (
            select(Vehicle)
            .where(Vehicle.owner_id.in_(chunk), Vehicle.retired_at.is_(None))
            .order_by(Vehicle.id)
        )
        for vehicle in session.scalars(statement):
            cars.setdefault(vehicle.owner_id, []).append(vehicle.label)
    return cars


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


def plan_page(
    session: Session, batch: ImportBatch, show: str, number: int, per_page: int
) -> PlanPage:
    """The planned lines that `show` picks, one page of them (past the end: the last).

    The total comes from the preview's counts, so a page costs one bounded query.
    """
    summary = batch.summary
    statement = select(ImportRow).where(ImportRow.batch_id == batch.id)
    if summary.get("rows_discarded"):
        total = 0
    elif show == "changes":
        statement = statement.where(ImportRow.outcome != "unchanged")
        total = batch.row_count - summary["unchanged"]
    elif show == "all":
        total = batch.row_count
    else:
        statement = statement.where(ImportRow.outcome == show)
        total = summary[show]
    pages = max((total + per_page - 1) // per_page, 1)
    number = min(max(number, 1), pages)
    if not total:
        return PlanPage([], 0, number, pages)
    statement = statement.order_by(ImportRow.line).offset((number - 1) * per_page).limit(per_page)
    return PlanPage([row.entry() for row in session.scalars(statement)], total, number, pages)
