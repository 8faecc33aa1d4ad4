"""The owner's rewards page: what it reads, and each card and line it shows worked out once.

The page shows twenty cards, a list of redemptions and twenty ledger lines on every visit; its
templates only place what is worked out here (tuples their loops unpack into names). It reads
them all in one statement: on PostgreSQL every statement is a round trip.
"""

from datetime import date, datetime
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Integer,
    Select,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.charity import queries as charity
from portal.charity import rules as charity_rules
from portal.charity.models import Drive, DriveStatus, GoalKind
from portal.db import page_rows
from portal.events.models import Event, Rsvp
from portal.points.queries import BALANCE, HISTORY
from portal.referrals.queries import PURCHASES_REFERRED, load_tiers
from portal.referrals.rules import Tiers, tier_progress
from portal.rewards.models import CATEGORY_LABELS, Category, Redemption, RedemptionStatus, Reward
from portal.rewards.queries import CATALOGUE, OWNER_REDEMPTIONS
from portal.rewards.rules import redeem_refusal, seat_reason

#: How many of the owner's latest ledger lines the page shows.
LEDGER_LINES = 20

#: What a row of the page's statement is: the owner's standing (balance and purchases
#: referred, one row), a reward of the catalogue, one of their redemptions, one of their latest
#: ledger lines, an open drive.
_STANDING, _REWARD, _REDEMPTION, _LEDGER, _DRIVE = range(5)

#: The statement's columns, each with its type: a branch fills those its rows need and the
#: rest are NULLs cast to the column's type, so both databases agree on every column's type
#: (and the rows read them as the tables' own columns would).
_COLUMNS = {
    "kind": Integer(),
    "id": Reward.id.type,
    "amount": Reward.points_cost.type,
    "level": Reward.min_tier.type,
    "count": Reward.stock.type,
    "event_id": Reward.event_id.type,
    "name": Reward.name.type,
    "detail": Reward.description.type,
    "state": Reward.category.type,
    "event_title": Event.title.type,
    "event_starts_at": Event.starts_at.type,
    "at": Redemption.created_at.type,
    "is_open": Boolean(),
    "is_money": Boolean(),
    "starts_on": Drive.starts_on.type,
    "ends_on": Drive.ends_on.type,
}
_INDEX = {name: index for index, name in enumerate(_COLUMNS)}


def _branch(kind: int, **columns) -> Select:
    """One branch of the page's statement: rows of one kind, with these columns."""
    values = {"kind": literal_column(str(kind)), **columns}
    return select(
        *(
            values[name].label(name) if name in values else cast(null(), type_).label(name)
            for name, type_ in _COLUMNS.items()
        )
    )


def _page_statement() -> CompoundSelect:
    """Everything the page reads but the seat rewards' events and the settings, its branches
    the statements each list reads on its own; the rows come in no order (the page sorts
    the few of each kind: ordering them in SQL took SQLite longer than reading them)."""
    rewards = CATALOGUE.order_by(None).subquery()
    redemptions = OWNER_REDEMPTIONS.order_by(None).subquery()
    lines = HISTORY.subquery()
    return union_all(
        _branch(
            _STANDING,
            amount=BALANCE.scalar_subquery(),
            level=PURCHASES_REFERRED.scalar_subquery(),
        ),
        _branch(
            _REWARD,
            id=rewards.c.id,
            amount=rewards.c.points_cost,
            level=rewards.c.min_tier,
            count=rewards.c.stock,
            event_id=rewards.c.event_id,
            name=rewards.c.name,
            detail=rewards.c.description,
            state=rewards.c.category,
            event_title=rewards.c.event_title,
            event_starts_at=rewards.c.event_starts_at,
        ),
        _branch(
            _REDEMPTION,
            id=redemptions.c.id,
            amount=redemptions.c.points,
            level=redemptions.c.drive_id,
            count=redemptions.c.rsvp_id,
            name=redemptions.c.reward_name,
            detail=redemptions.c.cause,
            state=redemptions.c.status,
            event_title=redemptions.c.event_title,
            event_starts_at=redemptions.c.event_starts_at,
            at=redemptions.c.created_at,
        ),
        _branch(
            _LEDGER,
            id=lines.c.id,
            amount=lines.c.points,
            name=lines.c.reason,
            at=lines.c.created_at,
        ),
        _branch(
            _DRIVE,
            id=Drive.id,
            amount=Drive.points_per_item,
            is_open=Drive.status == DriveStatus.OPEN,
            is_money=Drive.goal_kind == GoalKind.MONEY,
            starts_on=Drive.starts_on,
            ends_on=Drive.ends_on,
        ).where(Drive.status == DriveStatus.OPEN),
    )


#: Built once: the owner's standing, the catalogue, their redemptions and latest ledger lines,
#: and the open drives, as rows of one statement (`kind` says which).
_PAGE = _page_statement()


def _getter(*names: str) -> itemgetter:
    """A row of the page's statement as the tuple of these columns."""
    return itemgetter(*(_INDEX[name] for name in names))


#: The catalogue's order (cheapest first), and the redemptions' and the ledger's (newest first).
_CHEAPEST_FIRST = _getter("amount", "id")
_NEWEST_FIRST = _getter("at", "id")
#: A row of each kind in the shape its worker below reads.
_AS_REWARD = _getter(
    "id",
    "name",
    "detail",
    "state",
    "amount",
    "level",
    "count",
    "event_id",
    "event_title",
    "event_starts_at",
)
_AS_REDEMPTION = _getter(
    "id",
    "state",
    "amount",
    "detail",
    "level",
    "count",
    "at",
    "name",
    "event_title",
    "event_starts_at",
)
_AS_LEDGER_LINE = _getter("amount", "name", "at")
_AS_DRIVE = _getter("is_open", "starts_on", "ends_on", "is_money", "amount")


class DriveTerms(NamedTuple):
    """An open drive as the charity rules read it (`accepts_pledges`, `convert_points`)."""

    is_open: bool
    starts_on: date
    ends_on: date
    is_money: bool
    points_per_item: int | None


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


def gifts_taken(rewards: list[tuple], drives: list, today: date, rate: int) -> set[int]:
    """Ids of the altruistic rewards (catalogue rows) some drive can take now: it takes
    pledges today and the reward's points give it something. `drives` are the open drives'
    terms (`DriveTerms`, or `charity.queries.open_drive_terms` rows)."""
    taking = [drive for drive in drives if charity_rules.accepts_pledges(drive, today)]
    return {
        reward_id
        for reward_id, _, _, category, points_cost, *_ in rewards
        if category == Category.ALTRUISTIC
        and any(charity_rules.convert_points(drive, points_cost, rate) for drive in taking)
    }


def seat_reasons(
    session: Session, user_id: int, rewards: list[tuple], now: datetime
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
    rewards: list[tuple],
    *,
    tier_level: int,
    balance: int,
    tiers: Tiers,
    gifts: set[int],
    seats: dict[int, str | None],
    redeem_url: str,
) -> list[Card]:
    """The catalogue's cards (rows as `read_page` reads them) for an owner at `tier_level` with
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


def redemption_lines(rows: list[tuple], detail_url: str) -> list[RedemptionLine]:
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


def ledger_lines(rows: list[tuple]) -> list[LedgerLine]:
    """The owner's latest ledger lines, (points, reason, when) each, as the points history
    shows them."""
    return [
        LedgerLine(
            reason,
            created_at,
            "minus" if points < 0 else "",
            f"+{points:,}" if points > 0 else f"{points:,}",
        )
        for points, reason, created_at in rows
    ]


class PageRead(NamedTuple):
    """What the page's statement read, each kind in its order and in the shape its worker
    reads."""

    balance: int
    purchases: int
    #: The catalogue, cheapest first (id, name, description, category, points_cost, min_tier,
    #: stock, event_id, event_title, event_starts_at).
    rewards: list[tuple]
    #: The owner's redemptions, newest first (rows as `queries.owner_redemptions` reads them).
    redemptions: list[tuple]
    #: The owner's latest ledger lines, newest first: (points, reason, when).
    ledger: list[tuple]
    drives: list[DriveTerms]


def read_page(session: Session, user_id: int, now: datetime) -> PageRead:
    """Everything the page shows but the seat rewards' events (and the settings, read with
    the signed-in owner), in one statement."""
    values = {"user_id": user_id, "now": now, "limit": LEDGER_LINES}
    by_kind = ([], [], [], [], [])
    for row in page_rows(session, _PAGE, values).all():
        by_kind[row[0]].append(row)
    (standing,), rewards, redemptions, ledger, drives = by_kind
    return PageRead(
        standing[_INDEX["amount"]],
        standing[_INDEX["level"]],
        [_AS_REWARD(row) for row in sorted(rewards, key=_CHEAPEST_FIRST)],
        [_AS_REDEMPTION(row) for row in sorted(redemptions, key=_NEWEST_FIRST, reverse=True)],
        [_AS_LEDGER_LINE(row) for row in sorted(ledger, key=_NEWEST_FIRST, reverse=True)],
        [DriveTerms(*_AS_DRIVE(row)) for row in drives],
    )


def rewards_page(
    session: Session, user: User, now: datetime, today: date, links: dict[str, str]
) -> dict:
    """The owner's rewards page: balance, tier, each reward with whether they may redeem it,
    their redemptions and ledger, in one statement (and one more with seat rewards). `links`
    holds the patterns of the confirm step (`redeem`) and of a redemption's page
    (`redemption`)."""
    user_id, tier_level = user.id, user.tier_level
    read = read_page(session, user_id, now)
    tiers = load_tiers(session)
    rate = int(charity.read_charity_settings(session)["charity.points_per_dollar"])
    cards = catalogue_cards(
        read.rewards,
        tier_level=tier_level,
        balance=read.balance,
        tiers=tiers,
        gifts=gifts_taken(read.rewards, read.drives, today, rate),
        seats=seat_reasons(session, user_id, read.rewards, now),
        redeem_url=links["redeem"],
    )
    return {
        "balance": read.balance,
        "progress": tier_progress(tiers, tier_level, read.purchases),
        "tiers": tiers,
        "cards": cards,
        "points_rate": charity_rules.points_rate_words(rate),
        "redemptions": redemption_lines(read.redemptions, links["redemption"]),
        "history": ledger_lines(read.ledger),
    }
