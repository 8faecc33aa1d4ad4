"""Reads of rewards: the catalogue, an owner's redemptions, the public thank-you wall."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from portal.accounts.models import Role, User
from portal.referrals.rules import Tiers
from portal.rewards.models import Redemption, RedemptionStatus, Reward


def catalogue(session: Session, now: datetime) -> list[Reward]:
    """Rewards owners can see now: active and inside their window, cheapest first."""
    return list(
        session.scalars(
            select(Reward)
            .where(
                Reward.is_active.is_(True),
                or_(Reward.available_from.is_(None), Reward.available_from <= now),
                or_(Reward.available_until.is_(None), Reward.available_until > now),
            )
            .order_by(Reward.points_cost, Reward.id)
        )
    )


def owner_redemptions(session: Session, user_id: int) -> list[Redemption]:
    """The owner's redemptions with their rewards, newest first (one query)."""
    return list(
        session.scalars(
            select(Redemption)
            .options(joinedload(Redemption.reward))
            .where(Redemption.user_id == user_id)
            .order_by(Redemption.created_at.desc(), Redemption.id.desc())
        )
    )


def get_owner_redemption(session: Session, user_id: int, redemption_id: int) -> Redemption | None:
    """One of the owner's own redemptions, never another owner's."""
    return session.scalar(
        select(Redemption).where(Redemption.id == redemption_id, Redemption.user_id == user_id)
    )


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


STATUS_VALUES = frozenset(status.value for status in RedemptionStatus)


def redemptions_export(status: str | None) -> Select:
    """(redemption, owner's name and email, reward, who decided), oldest request first."""
    decider = aliased(User)
    statement = (
        select(Redemption, User.name, User.email, Reward.name, decider.name)
        .join(User, User.id == Redemption.user_id)
        .join(Reward, Reward.id == Redemption.reward_id)
        .outerjoin(decider, decider.id == Redemption.decided_by_id)
        .order_by(Redemption.created_at, Redemption.id)
    )
    if status in STATUS_VALUES:
        statement = statement.where(Redemption.status == status)
    return statement
