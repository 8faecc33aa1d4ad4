"""Reads of rewards: the catalogue, an owner's rewards page, redemptions, the thank-you wall."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager

from portal.accounts.models import Role, User
from portal.charity import queries as charity
from portal.charity import rules as charity_rules
from portal.db import page_rows
from portal.events.models import Event, EventStatus, Rsvp, RsvpStatus
from portal.json_rows import JsonRows
from portal.paging import in_direction
from portal.points.queries import BALANCE, points_balance
from portal.referrals.queries import PURCHASES_REFERRED, load_tiers
from portal.referrals.rules import Tiers
from portal.rewards.models import Category, Redemption, RedemptionStatus, Reward
from portal.rewards.rules import redeem_check, seat_reason

#: The reward form offers at most this many upcoming events.
SEAT_EVENT_CHOICES = 200

STATUS_VALUES = frozenset(status.value for status in RedemptionStatus)

#: Columns the redemptions list sorts by (oldest request first by default).
REDEMPTION_SORTS = {
    "date": Redemption.created_at,
    "owner": func.lower(User.name),
    "reward": func.lower(Reward.name),
    "points": Redemption.points,
}


# --- Owners -------------------------------------------------------------------------------


#: Built once: the rewards owners can see now (active and inside their window), cheapest first,
#: with the columns a card shows and a seat reward's event (its id is `event_id`); the owner's
#: rewards page reads it in its one statement.
CATALOGUE = (
    select(
        Reward.id,
        Reward.name,
        Reward.description,
        Reward.category,
        Reward.points_cost,
        Reward.min_tier,
        Reward.stock,
        Reward.event_id,
        Event.title.label("event_title"),
        Event.starts_at.label("event_starts_at"),
    )
    .outerjoin(Event, Event.id == Reward.event_id)
    .where(
        Reward.is_active.is_(True),
        or_(Reward.available_from.is_(None), Reward.available_from <= bindparam("now")),
        or_(Reward.available_until.is_(None), Reward.available_until > bindparam("now")),
    )
    .order_by(Reward.points_cost, Reward.id)
)
#: The owner's redemptions as the lists show them: plain rows, their reward's name and,
#: for a seat, its event's title and start (the rewards page reads it in its one statement).
OWNER_REDEMPTIONS = (
    select(
        Redemption.id,
        Redemption.status,
        Redemption.points,
        Redemption.cause,
        Redemption.drive_id,
        Redemption.rsvp_id,
        Redemption.created_at,
        Reward.name.label("reward_name"),
        Event.title.label("event_title"),
        Event.starts_at.label("event_starts_at"),
    )
    .join(Reward, Reward.id == Redemption.reward_id)
    .outerjoin(Rsvp, Rsvp.id == Redemption.rsvp_id)
    .outerjoin(Event, Event.id == Rsvp.event_id)
    .where(Redemption.user_id == bindparam("user_id"))
    .order_by(Redemption.created_at.desc(), Redemption.id.desc())
)


def owner_rsvps(session: Session, user_id: int, rewards: list[Reward]) -> dict[int, Rsvp]:
    """{event id: the owner's RSVP} at the events these rewards give seats at (one query)."""
    event_ids = [reward.event_id for reward in rewards if reward.event_id is not None]
    if not event_ids:
        return {}
    found = session.scalars(
        select(Rsvp).where(Rsvp.user_id == user_id, Rsvp.event_id.in_(event_ids))
    )
    return {rsvp.event_id: rsvp for rsvp in found}


def _no_seat(reward: Reward, rsvps: dict[int, Rsvp], now: datetime) -> str | None:
    """Why a seat reward can't hold a seat now (None for other rewards)."""
    if reward.event is None:
        return None
    return seat_reason(reward.event, rsvps.get(reward.event_id), now)


#: Built once: the owner's balance (the sum of their ledger) and how many friends they
#: referred bought a car (their tier's progress), as one row.
_STANDING = select(BALANCE.scalar_subquery(), PURCHASES_REFERRED.scalar_subquery())


#: The same read as a column the home page's one statement carries (`portal.json_rows`):
#: one row.
STANDING = JsonRows(_STANDING)


def owner_standing_read(user_id: int) -> tuple[JsonRows, dict]:
    """The home page's read of (balance, purchases referred) of the owner: it shows both
    with the tier they give."""
    return STANDING, {"user_id": user_id}


def owner_standing(session: Session, user_id: int) -> Row:
    """(balance, purchases referred) of the owner, in a statement of its own."""
    return page_rows(session, _STANDING, {"user_id": user_id}).one()


def gift_options(
    session: Session, rewards: list[Reward], today: date, rate: int
) -> dict[int, list[tuple]]:
    """For each altruistic reward: the drives taking gifts now, with what the points give."""
    altruistic = [reward for reward in rewards if reward.category == Category.ALTRUISTIC]
    if not altruistic:
        return {}
    drives = [d for d in charity.open_drives(session) if charity_rules.accepts_pledges(d, today)]
    options = {}
    for reward in altruistic:
        gifts = [(d, charity_rules.convert_points(d, reward.points_cost, rate)) for d in drives]
        options[reward.id] = [(drive, drive.format_amount(gift)) for drive, gift in gifts if gift]
    return options


def redeem_preview(
    session: Session, user: User, reward_id: int, now: datetime, today: date
) -> dict | None:
    """What the confirm step shows before any points move: the reward, whether the owner
    may redeem it, their balance now and after, and the drives an altruistic reward can
    go to. None for a reward owners cannot see."""
    reward = session.get(Reward, reward_id)
    if reward is None or not reward.is_available(now):
        return None
    tiers = load_tiers(session)
    balance = points_balance(session, user.id)
    rate = int(charity.read_charity_settings(session)["charity.points_per_dollar"])
    gifts = gift_options(session, [reward], today, rate)
    rsvp = owner_rsvps(session, user.id, [reward]).get(reward.event_id)
    check = redeem_check(
        reward,
        balance=balance,
        tier_level=user.tier_level,
        tier_name=tiers.name(reward.min_tier),
        drive_open=bool(gifts.get(reward.id)),
        no_seat=_no_seat(reward, {reward.event_id: rsvp} if rsvp else {}, now),
    )
    return {
        "reward": reward,
        "check": check,
        "balance": balance,
        "balance_after": balance - reward.points_cost,
        "drives": gifts.get(reward.id, []),
        "points_rate": charity_rules.points_rate_words(rate),
        "has_seat": rsvp is not None and rsvp.status == RsvpStatus.CONFIRMED,
    }


def owner_redemptions(session: Session, user_id: int) -> list[Row]:
    """The owner's redemptions with their rewards' names, newest first (one query)."""
    return page_rows(session, OWNER_REDEMPTIONS, {"user_id": user_id}).all()


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


#: Built once: active owners from the first tier up who opted in to public recognition,
#: highest tier first; the community page binds how many it shows.
_WALL = (
    select(User.name, User.display_name, User.tier_level)
    .where(
        User.role == Role.OWNER,
        User.consent_recognition.is_(True),
        User.tier_level >= 1,
        User.deactivated_at.is_(None),
    )
    .order_by(User.tier_level.desc(), User.name, User.id)
)
_WALL_TOP = _WALL.limit(bindparam("wall_limit"))
#: The same read as a column the community page's one statement carries (`portal.json_rows`).
WALL_TOP = JsonRows(_WALL_TOP)


def wall_top_read(limit: int) -> tuple[JsonRows, dict]:
    """The community page's read of the first `limit` people on the wall."""
    return WALL_TOP, {"wall_limit": limit}


def wall_top_from(rows) -> list[tuple[str, int]]:
    """(public name, tier level) of `WALL_TOP`'s rows: the community page shows them with one
    badge per tier."""
    return [(public_name(name, display_name), level) for name, display_name, level in rows]


def wall_top(session: Session, limit: int) -> list[tuple[str, int]]:
    """`wall_top_from` the first `limit` people, in a statement of its own."""
    return wall_top_from(page_rows(session, _WALL_TOP, {"wall_limit": limit}))


def ambassador_wall(session: Session, tiers: Tiers, limit: int | None = None) -> list[WallEntry]:
    """The owners on the thank-you wall, or its first `limit` (one query)."""
    rows = (
        session.execute(_WALL)
        if limit is None
        else session.execute(_WALL_TOP, {"wall_limit": limit})
    )
    return [
        WallEntry(public_name(name, display_name), tiers.name(level), level)
        for name, display_name, level in rows
    ]


# --- Staff --------------------------------------------------------------------------------


def seat_events(session: Session, now: datetime, keep_id: int | None) -> list[Event]:
    """Events a reward can give seats at: those still to come and not called off, soonest
    first (and the reward's own event, whatever became of it)."""
    return session.scalars(
        select(Event)
        .where(
            or_(
                (Event.starts_at > now) & (Event.status != EventStatus.CANCELLED),
                Event.id == (keep_id or 0),
            )
        )
        .order_by(Event.starts_at, Event.id)
        .limit(SEAT_EVENT_CHOICES)
    ).all()


def staff_catalogue(session: Session) -> list[Reward]:
    """Every reward, retired ones last, by category and cost."""
    return list(
        session.scalars(
            select(Reward).order_by(Reward.is_active.desc(), Reward.category, Reward.points_cost)
        )
    )


def pending_by_reward(session: Session) -> dict[int, int]:
    """{reward id: redemptions waiting to be fulfilled}."""
    return dict(
        session.execute(
            select(Redemption.reward_id, func.count())
            .where(Redemption.status == RedemptionStatus.PENDING)
            .group_by(Redemption.reward_id)
        ).all()
    )


def chosen_status(status: str | None) -> str:
    """The status a redemptions list shows: the one asked for, else those pending."""
    return status if status in STATUS_VALUES else RedemptionStatus.PENDING.value


def redemptions_list(status: str, sort: str, descending: bool) -> Select:
    """Redemptions at one status with their owner and reward, in the chosen order."""
    column = REDEMPTION_SORTS[sort]
    return (
        select(Redemption)
        .join(Redemption.user)
        .join(Redemption.reward)
        .options(contains_eager(Redemption.user), contains_eager(Redemption.reward))
        .where(Redemption.status == status)
        .order_by(*in_direction(descending, column, Redemption.id))
    )


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
