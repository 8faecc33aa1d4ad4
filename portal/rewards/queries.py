"""The public thank-you wall: ambassadors who agreed to be thanked by name."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.referrals.tiers import Tiers


@dataclass(frozen=True)
class WallEntry:
    """One person on the wall: public name and tier."""

    name: str
    tier: str
    level: int


def public_name(name: str, display_name: str | None) -> str:
    """First name (or chosen display name) and last initial: 'Priya P.'."""
    parts = name.split()
    first = display_name or (parts[0] if parts else name)
    initial = f" {parts[-1][0]}." if len(parts) > 1 else ""
    return first + initial


def ambassador_wall(session: Session, tiers: Tiers, limit: int | None = None) -> list[WallEntry]:
    """Active owners from the first tier up who opted in to public recognition (one query)."""
    query = (
        select(User.name, User.display_name, User.tier_level)
        .where(
            User.role == Role.OWNER,
            User.consent_recognition.is_(True),
            User.tier_level >= 1,
            User.deactivated_at.is_(None),
        )
        .order_by(User.tier_level.desc(), User.name, User.id)
        .limit(limit)
    )
    return [
        WallEntry(public_name(name, display_name), tiers.name(level), level)
        for name, display_name, level in session.execute(query)
    ]
