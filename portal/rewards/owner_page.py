"""The owner's rewards page: what it reads, and each card and line it shows worked out once.

The page shows twenty cards, a list of redemptions and twenty ledger lines on every visit; its
templates only place what is worked out here (tuples their loops unpack into names).
"""

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.charity import queries as charity
from portal.charity import rules as charity_rules
from portal.events.models import Event, Rsvp
from portal.points.queries import points_history
from portal.referrals.queries import load_tiers
from portal.referrals.rules import Tiers, tier_progress
from portal.rewards.models import CATEGORY_LABELS, Category, RedemptionStatus
from portal.rewards.queries import catalogue, owner_redemptions, owner_standing
from portal.rewards.rules import redeem_refusal, seat_reason


class Card(NamedTuple):
    """One reward in the catalogue as its card shows it."""

    #: Its id as the card's anchors write it ("12").
    reward_id: str
    category: str
    category_label: str
    #: The tier it opens at ("Ambassador"), None when every member may redeem it.
    tier_name: str | None
    name: str
    description: str | None
    #: A seat reward's event; None for other rewards.
    event_id: int | None
    event_title: str | None
    event_starts_at: datetime | None
    #: Its cost as the page writes it ("1,200").
    cost: str
    stock: int | None
    #: Where "Redeem" asks first, when the owner may redeem it now; else why not.
    confirm_url: str | None
    reason: str | None


class RedemptionLine(NamedTuple):
    """One of the owner's redemptions as their list shows it."""

    url: str
    reward_name: str
    #: Where it stands: its tag's class and words.
    tag_class: str
    tag_text: str
    points: str
    cause: str | None
    #: A seat's event; None for other redemptions.
    event_title: str | None
    event_starts_at: datetime | None
    created_at: datetime


class LedgerLine(NamedTuple):
    """One line of the owner's points history."""

    reason: str
    created_at: datetime
    #: "minus" for points spent, else "".
    points_class: str
    #: The points with their sign when earned ("+1,200", "-300").
    points: str


#: A redemption's tag: (class, words) by status, unless it holds a seat or went to a drive.
_STATUS_TAGS = {
    RedemptionStatus.PENDING: ("tag-warn", "Being arranged"),
    RedemptionStatus.FULFILLED: ("tag-ok", "Given"),
    RedemptionStatus.DECLINED: ("tag-muted", "Points returned"),
}
_SEAT_TAG = ("tag-ok", "Seat reserved")
_DRIVE_TAG = ("tag-ok", "Counted on the drive")


def gifts_taken(session: Session, rewards: list[Row], today: date, rate: int) -> set[int]:
    """Ids of the altruistic rewards some drive can take now: it takes pledges today and the
    reward's points give it something (one query, none without altruistic rewards)."""
    altruistic = [
        (reward_id, points_cost)
        for reward_id, _, _, category, points_cost, *_ in rewards
        if category == Category.ALTRUISTIC
    ]
    if not altruistic:
        return set()
    drives = [
        drive
        for drive in charity.open_drive_terms(session)
        if charity_rules.accepts_pledges(drive, today)
    ]
    return {
        reward_id
        for reward_id, points_cost in altruistic
        if any(charity_rules.convert_points(drive, points_cost, rate) for drive in drives)
    }


def seat_reasons(
    session: Session, user_id: int, rewards: list[Row], now: datetime
) -> dict[int, str | None]:
    """{event id: why a seat reward can't hold the owner's seat there now, None if it can}
    for the events these rewards give seats at (one query, none without seat rewards)."""
    event_ids = {event_id for *_, event_id, _title, _starts_at in rewards if event_id is not None}
    if not event_ids:
        return {}
    rows = session.execute(
        select(Event, Rsvp)
        .outerjoin(Rsvp, (Rsvp.event_id == Event.id) & (Rsvp.user_id == user_id))
        .where(Event.id.in_(event_ids))
    )
    return {event.id: seat_reason(event, rsvp, now) for event, rsvp in rows}


def catalogue_cards(
    rewards: list[Row],
    *,
    tier_level: int,
    balance: int,
    tiers: Tiers,
    gifts: set[int],
    seats: dict[int, str | None],
    redeem_url: str,
) -> list[Card]:
    """The catalogue's cards (rows of `queries.catalogue`) for an owner at `tier_level` with
    `balance` points; `redeem_url` is the confirm step's URL with `{}` for the reward's id."""
    cards = []
    for (
        reward_id,
        name,
        description,
        category,
        points_cost,
        min_tier,
        stock,
        event_id,
        event_title,
        event_starts_at,
    ) in rewards:
        tier_name = tiers.name(min_tier)
        reason = redeem_refusal(
            category,
            stock,
            min_tier,
            points_cost,
            balance=balance,
            tier_level=tier_level,
            tier_name=tier_name,
            drive_open=reward_id in gifts,
            no_seat=seats.get(event_id),
        )
        cards.append(
            Card(
                str(reward_id),
                category,
                CATEGORY_LABELS[category],
                tier_name if min_tier else None,
                name,
                description,
                event_id,
                event_title,
                event_starts_at,
                f"{points_cost:,}",
                stock,
                None if reason else redeem_url.format(reward_id),
                reason,
            )
        )
    return cards


def redemption_lines(rows: list[Row], detail_url: str) -> list[RedemptionLine]:
    """The owner's redemptions (`queries.owner_redemptions`) as their list shows them;
    `detail_url` is a redemption's page with `{}` for its id."""
    lines = []
    for (
        redemption_id,
        status,
        points,
        cause,
        drive_id,
        rsvp_id,
        created_at,
        reward_name,
        event_title,
        event_starts_at,
    ) in rows:
        if rsvp_id and status != RedemptionStatus.DECLINED:
            tag = _SEAT_TAG
        elif drive_id and status == RedemptionStatus.PENDING:
            tag = _DRIVE_TAG
        else:
            tag = _STATUS_TAGS[status]
        lines.append(
            RedemptionLine(
                detail_url.format(redemption_id),
                reward_name,
                *tag,
                f"{points:,}",
                cause,
                event_title if rsvp_id else None,
                event_starts_at if rsvp_id else None,
                created_at,
            )
        )
    return lines


def ledger_lines(rows: list[Row]) -> list[LedgerLine]:
    """The owner's latest ledger lines (`points_history`) as the points history shows them."""
    return [
        LedgerLine(
            reason,
            created_at,
            "minus" if points < 0 else "",
            f"+{points:,}" if points > 0 else f"{points:,}",
        )
        for _, points, reason, created_at, _ in rows
    ]


def rewards_page(
    session: Session, user: User, now: datetime, today: date, links: dict[str, str]
) -> dict:
    """The owner's rewards page: balance, tier, each reward with whether they may redeem it,
    their redemptions and ledger, in a fixed number of queries. `links` holds the patterns of
    the confirm step (`redeem`) and of a redemption's page (`redemption`)."""
    user_id, tier_level = user.id, user.tier_level
    tiers = load_tiers(session)
    balance, purchases = owner_standing(session, user_id)
    rewards = catalogue(session, now)
    rate = int(charity.read_charity_settings(session)["charity.points_per_dollar"])
    cards = catalogue_cards(
        rewards,
        tier_level=tier_level,
        balance=balance,
        tiers=tiers,
        gifts=gifts_taken(session, rewards, today, rate),
        seats=seat_reasons(session, user_id, rewards, now),
        redeem_url=links["redeem"],
    )
    return {
        "balance": balance,
        "progress": tier_progress(tiers, tier_level, purchases),
        "tiers": tiers,
        "cards": cards,
        "points_rate": charity_rules.points_rate_words(rate),
        "redemptions": redemption_lines(owner_redemptions(session, user_id), links["redemption"]),
        "history": ledger_lines(points_history(session, user_id)),
    }
