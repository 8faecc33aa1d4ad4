"""Inviting the owners an applied import created: one claim invitation each, naming their cars.

New owners are read back from the import's planned rows a chunk at a time, so a 40,000-owner
file is invited without holding the list.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.services.invitations import queue_claim_invitations
from portal.imports.models import ImportBatch
from portal.imports.queries import cars_of, new_owner_emails_after, users_by_email
from portal.imports.rules import IN_CHUNK
from portal.imports.services.applying import apply_import
from portal.notifications.dispatch import take_queued

#: Invitations for an import this small go out before the page answers; more wait for
#: `flask notify run`, so a large file's confirmation does not wait on the mail server.
SEND_NOW_LIMIT = 100
INVITATION_REASON = (
    "You bought your car from us, so we've brought its details across from our records: "
    "no forms to fill in."
)


@dataclass(frozen=True)
class Invitations:
    """How many new owners an import invited, and the ids of those sent before the page
    answers (none when there are more than SEND_NOW_LIMIT: the job sends them)."""

    count: int
    ids_sent_now: list[int]

    @property
    def sent_now(self) -> bool:
        """Whether the invitations go out as this transaction commits (else with the job)."""
        return self.count <= SEND_NOW_LIMIT


def queue_invitations(
    session: Session, batch: ImportBatch, *, dealership_name: str, now: datetime
) -> Invitations:
    """Queue a claim invitation for each new owner an applied import created, a chunk of
    owners at a time, each naming their cars.

    Past SEND_NOW_LIMIT, the queued ids are taken off the transaction's send list: they
    stay queued for `flask notify run`.
    """
    count, ids, after = 0, [], ""
    while emails := new_owner_emails_after(session, batch.id, after, IN_CHUNK):
        owners = users_by_email(session, emails)
        cars = cars_of(session, [owner.id for owner in owners.values()])
        invitations = [(owner.id, cars.get(owner.id, [])) for owner in owners.values()]
        queued = queue_claim_invitations(
            session,
            invitations,
            reason=INVITATION_REASON,
            dealership_name=dealership_name,
            now=now,
        )
        count += len(queued)
        ids.extend(queued)
        if count > SEND_NOW_LIMIT:
            take_queued(session)
            ids = []
        after = emails[-1]
    return Invitations(count, ids)


@dataclass(frozen=True)
class AppliedImport:
    """What applying did (`apply_import`'s counts) and the invitations it queued."""

    result: dict[str, Any]
    invitations: Invitations


def apply_and_invite(
    session: Session,
    batch: ImportBatch,
    *,
    actor: User | None,
    dealership_name: str,
    now: datetime,
    today: date,
    ip: str | None = None,
) -> AppliedImport:
    """Apply the previewed plan and invite each new owner to claim their account."""
    result = apply_import(session, batch, actor=actor, now=now, today=today, ip=ip)
    invitations = queue_invitations(session, batch, dealership_name=dealership_name, now=now)
    return AppliedImport(result, invitations)
