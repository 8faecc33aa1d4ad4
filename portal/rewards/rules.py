"""Rewards rules without a database: whether an owner may redeem a reward now."""

from dataclasses import dataclass

from portal.rewards.models import Category, Reward


@dataclass(frozen=True)
class RedeemCheck:
    """Whether an owner may redeem a reward now, and if not, why (shown on the card)."""

    allowed: bool
    reason: str | None = None


def redeem_check(
    reward: Reward, *, balance: int, tier_level: int, tier_name: str, drive_open: bool = True
) -> RedeemCheck:
    """The reason the redeem button is unavailable, if there is one.

    `drive_open`: some charity drive can take this reward's points now (altruistic rewards).
    """
    if reward.category == Category.ALTRUISTIC and not drive_open:
        return RedeemCheck(
            False, "No charity drive is taking gifts right now. Your points will keep."
        )
    if reward.stock is not None and reward.stock <= 0:
        return RedeemCheck(False, "All taken for now.")
    if tier_level < reward.min_tier:
        return RedeemCheck(False, f"Opens at {tier_name}.")
    if balance < reward.points_cost:
        return RedeemCheck(False, f"{reward.points_cost - balance:,} more points to go.")
    return RedeemCheck(True)
