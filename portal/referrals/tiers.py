"""Ambassador tiers: how many referred purchases each tier needs, and an owner's progress."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.dealership.queries import read_settings
from portal.referrals.models import Referral, Stage

TIER_DEFAULTS: dict[str, Any] = {
    "referrals.tier_names": ["Member", "Advocate", "Ambassador", "Elite Ambassador"],
    #: Purchases referred to reach each tier; the first is always 0.
    "referrals.tier_thresholds": [0, 1, 3, 6],
}


@dataclass(frozen=True)
class Tiers:
    """The dealership's tier ladder."""

    names: list[str]
    thresholds: list[int]

    def level_for(self, purchases: int) -> int:
        """The highest tier whose threshold `purchases` reaches."""
        return max(level for level, needed in enumerate(self.thresholds) if purchases >= needed)

    def name(self, level: int) -> str:
        return self.names[max(0, min(level, len(self.names) - 1))]


def load_tiers(session: Session) -> Tiers:
    """The tier names and thresholds from the dealership settings (one query)."""
    values = read_settings(session, TIER_DEFAULTS)
    return Tiers(
        names=list(values["referrals.tier_names"]),
        thresholds=[int(n) for n in values["referrals.tier_thresholds"]],
    )


@dataclass(frozen=True)
class TierProgress:
    """Where an owner stands: their tier, purchases referred, and what the next tier needs."""

    level: int
    name: str
    purchases: int
    next_name: str | None
    next_needed: int | None

    @property
    def to_go(self) -> int:
        return max(0, (self.next_needed or 0) - self.purchases)


def tier_progress(tiers: Tiers, level: int, purchases: int) -> TierProgress:
    """Progress towards the next tier, from a stored level and a purchase count."""
    has_next = level + 1 < len(tiers.thresholds)
    return TierProgress(
        level=level,
        name=tiers.name(level),
        purchases=purchases,
        next_name=tiers.name(level + 1) if has_next else None,
        next_needed=tiers.thresholds[level + 1] if has_next else None,
    )


def purchases_referred(session: Session, user_id: int) -> int:
    """How many of the owner's referrals have bought a car."""
    return session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.referrer_id == user_id, Referral.stage == Stage.PURCHASED)
    )
