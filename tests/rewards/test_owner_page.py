"""The owner's rewards page as `portal/rewards/owner_page.py` works it out: each kind of card,
redemption line and ledger line, the drives that take gifts, escaping and statements."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.charity.models import DriveStatus, GoalKind
from portal.dealership.services import write_settings
from portal.events.models import EventStatus
from portal.extensions import db
from portal.referrals.models import Stage
from portal.referrals.rules import Tiers
from portal.rewards import owner_page
from portal.rewards.models import Category, RedemptionStatus
from tests.rewards.seats import redeem_seat

TIERS = Tiers(names=["Member", "Advocate", "Ambassador"], thresholds=[0, 1, 3])
WHEN = datetime(2031, 3, 4, 17, 30, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"


def _reward_row(reward_id=7, **values):
    """A reward as `owner_page.read_page` reads it (id, name, description, category,
    points_cost, min_tier, stock, event_id, event_title, event_starts_at)."""
    row = {
        "name": "Valet",
        "description": "A full polish.",
        "category": Category.EXPERIENTIAL,
        "points_cost": 1_500,
        "min_tier": 0,
        "stock": None,
        "event_id": None,
        "event_title": None,
        "event_starts_at": None,
    } | values
    return (reward_id, *row.values())


def _cards(*rows, balance=2_000, tier_level=1, gifts=(), seats=None):
    return owner_page.catalogue_cards(
        list(rows),
        tier_level=tier_level,
        balance=balance,
        tiers=TIERS,
        gifts=set(gifts),
        seats=seats or {},
        redeem_url="/rewards/{}/redeem",
    )


# --- Cards ------------------------------------------------------------------------------------


def test_a_card_the_owner_may_redeem_links_to_the_confirm_step():
    (card,) = _cards(_reward_row(7, stock=3))
    assert card == owner_page.Card(
        reward_id="7",
        category="experiential",
        category_label="Experiences",
        tier_name=None,
        name="Valet",
        description="A full polish.",
        event_id=None,
        event_title=None,
        event_starts_at=None,
        cost="1,500",
        stock=3,
        confirm_url="/rewards/7/redeem",
        reason=None,
    )


@pytest.mark.parametrize(
    ("values", "card_values", "reason"),
    [
        ({"min_tier": 2}, {"balance": 5_000}, "Opens at Ambassador."),
        ({"points_cost": 2_250}, {"balance": 1_000}, "1,250 more points to go."),
        ({"stock": 0}, {}, "All taken for now."),
        (
            {"category": Category.ALTRUISTIC},
            {},
            "No charity drive is taking gifts right now. Your points will keep.",
        ),
        (
            {"event_id": 3},
            {"seats": {3: "Your VIP seat is reserved."}},
            "Your VIP seat is reserved.",
        ),
    ],
)
def test_a_card_the_owner_may_not_redeem_says_why_and_has_no_link(values, card_values, reason):
    (card,) = _cards(_reward_row(**values), **card_values)
    assert (card.confirm_url, card.reason) == (None, reason)


def test_a_card_names_the_tier_only_when_the_reward_asks_for_one():
    every, tiered = _cards(_reward_row(1), _reward_row(2, min_tier=1))
    assert (every.tier_name, tiered.tier_name) == (None, "Advocate")


def test_a_gift_card_opens_when_a_drive_takes_its_points_and_a_seat_card_with_a_seat():
    gift, seat = _cards(
        _reward_row(1, category=Category.ALTRUISTIC),
        _reward_row(2, event_id=9, event_title="Launch", event_starts_at=WHEN),
        gifts={1},
        seats={9: None},
    )
    assert (gift.confirm_url, gift.reason) == ("/rewards/1/redeem", None)
    assert (seat.event_id, seat.event_title, seat.event_starts_at) == (9, "Launch", WHEN)
    assert seat.confirm_url == "/rewards/2/redeem"


# --- Redemption and ledger lines --------------------------------------------------------------


def _redemption_row(status, *, drive_id=None, rsvp_id=None, cause=None):
    """A row of `queries.owner_redemptions`."""
    event = ("Launch", WHEN) if rsvp_id else (None, None)
    return (4, status, 1_200, cause, drive_id, rsvp_id, WHEN, "Valet", *event)


@pytest.mark.parametrize(
    ("row", "tag"),
    [
        (_redemption_row(RedemptionStatus.PENDING), ("tag-warn", "Being arranged")),
        (_redemption_row(RedemptionStatus.FULFILLED), ("tag-ok", "Given")),
        (_redemption_row(RedemptionStatus.DECLINED), ("tag-muted", "Points returned")),
        (_redemption_row(RedemptionStatus.PENDING, rsvp_id=2), ("tag-ok", "Seat reserved")),
        (_redemption_row(RedemptionStatus.FULFILLED, rsvp_id=2), ("tag-ok", "Seat reserved")),
        (_redemption_row(RedemptionStatus.DECLINED, rsvp_id=2), ("tag-muted", "Points returned")),
        (_redemption_row(RedemptionStatus.PENDING, drive_id=5), ("tag-ok", "Counted on the drive")),
        (_redemption_row(RedemptionStatus.FULFILLED, drive_id=5), ("tag-ok", "Given")),
    ],
)
def test_a_redemption_line_is_tagged_with_where_it_stands(row, tag):
    (line,) = owner_page.redemption_lines([row], "/rewards/redemptions/{}")
    assert (line.tag_class, line.tag_text) == tag
    assert (line.url, line.reward_name, line.points) == ("/rewards/redemptions/4", "Valet", "1,200")


def test_a_redemption_line_names_the_seat_event_only_for_a_seat():
    seat, other = owner_page.redemption_lines(
        [
            _redemption_row(RedemptionStatus.PENDING, rsvp_id=2),
            _redemption_row(RedemptionStatus.PENDING, cause="Coats"),
        ],
        "/r/{}",
    )
    assert (seat.event_title, seat.event_starts_at, seat.cause) == ("Launch", WHEN, None)
    assert (other.event_title, other.event_starts_at, other.cause) == (None, None, "Coats")


def test_ledger_lines_sign_what_came_and_mark_what_went():
    rows = [(1_200, "Came to a clinic", WHEN), (-300, "Valet", WHEN), (0, "Nothing", WHEN)]
    assert owner_page.ledger_lines(rows) == [
        ("Came to a clinic", WHEN, "", "+1,200"),
        ("Valet", WHEN, "minus", "-300"),
        ("Nothing", WHEN, "", "0"),
    ]


# --- Drives that take gifts -------------------------------------------------------------------


def test_a_gift_is_taken_by_a_drive_open_today_whose_unit_the_points_reach(
    app, make_drive, make_reward, make_owner
):
    write_settings(db.session, {"charity.points_per_dollar": 100})
    db.session.commit()
    small = make_reward(name="Small", category=Category.ALTRUISTIC, points_cost=40)
    large = make_reward(name="Large", category=Category.ALTRUISTIC, points_cost=60)
    make_reward(name="Not a gift", points_cost=500)
    make_drive(name="Toys", goal_kind=GoalKind.ITEMS, unit_label="toys", points_per_item=50)
    today = clock.local_today(app.config["PORTAL_TIMEZONE"])

    def taken(rate: int) -> set[int]:
        read = owner_page.read_page(db.session, make_owner().id, clock.now())
        return owner_page.gifts_taken(read.rewards, read.drives, today, rate)

    assert taken(100) == {large.id}
    # A money drive takes any gift worth a cent; one not started or not open takes nothing.
    make_drive(name="Later", starts_on=today + timedelta(days=1))
    make_drive(name="Draft", status=DriveStatus.DRAFT)
    make_drive(name="Closed", status=DriveStatus.CLOSED)
    assert taken(100) == {large.id}
    make_drive(name="Coats")
    assert taken(100) == {small.id, large.id}
    assert taken(10_000) == {large.id}


# --- The page ---------------------------------------------------------------------------------


def test_the_page_reads_each_list_in_its_order_and_only_the_owners_own(
    app, make_owner, make_reward, make_redemption, give_points, make_referral
):
    owner, other = make_owner(), make_owner()
    for points in range(1, owner_page.LEDGER_LINES + 4):
        give_points(owner, points)
    give_points(other, 999)
    make_referral(owner, stage=Stage.PURCHASED)
    make_referral(other, stage=Stage.PURCHASED)
    make_referral(other, stage=Stage.PURCHASED)
    dear, cheap, also_cheap = (make_reward(points_cost=cost) for cost in (900, 100, 100))
    first, second = make_redemption(owner, dear), make_redemption(owner, cheap)
    make_redemption(other, cheap)
    read = owner_page.read_page(db.session, owner.id, clock.now())
    lines = owner_page.LEDGER_LINES + 3
    assert (read.balance, read.purchases) == (lines * (lines + 1) // 2, 1)
    assert [row[0] for row in read.rewards] == [cheap.id, also_cheap.id, dear.id]
    assert [row[0] for row in read.redemptions] == [second.id, first.id]
    assert [points for points, _, _ in read.ledger] == list(range(lines, 3, -1))
    nothing = owner_page.read_page(db.session, make_owner().id, clock.now())
    assert (nothing.balance, nothing.purchases) == (0, 0)
    assert nothing.redemptions == nothing.ledger == []


def test_the_page_escapes_every_name_it_shows(
    client, login, make_owner, make_reward, make_event, make_redemption, give_points
):
    owner = make_owner()
    give_points(owner, 1_000)
    write_settings(db.session, {"referrals.tier_names": ["Member", EVIL, "Ambassador", "Elite"]})
    db.session.commit()
    event = make_event(f"Launch {EVIL}", starts_at=WHEN)
    make_reward(name=f"Valet {EVIL}", description=f"Polish {EVIL}", min_tier=1)
    seat = make_reward(name="Seat", event_id=event.id, points_cost=40)
    redeem_seat(owner.id, seat.id)
    db.session.commit()
    make_redemption(owner, cause=f"Coats {EVIL}")
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    assert EVIL not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for shown in (
        f"Valet {escaped}</h3>",
        f'<p class="reward-description">Polish {escaped}</p>',
        f'<span class="tag tag-muted">{escaped} and up</span>',
        f"Opens at {escaped}.",
        f">Launch {escaped}</a>, <time",
        f"· for Coats {escaped} ·",
        f'<br><span class="muted">40 points · Launch {escaped}, <time',
    ):
        assert shown in html, shown


def test_an_owner_with_nothing_sees_each_list_empty(client, login, make_owner):
    login(make_owner())
    html = client.get("/rewards").get_data(as_text=True)
    assert "The team is putting the catalogue together. Your points will keep." in html
    assert '<p class="empty">Nothing redeemed yet.</p>' in html
    assert "No points yet." in html and 'class="ledger card"' not in html
    assert "<strong>0</strong> <span>points</span>" in html


def test_each_list_shows_its_lines_in_order(
    client, login, make_owner, make_reward, make_redemption, give_points
):
    owner = make_owner()
    give_points(owner, 1_250)
    first = make_redemption(owner, make_reward(name="First"))
    second = make_redemption(owner, make_reward(name="Second"), status=RedemptionStatus.FULFILLED)
    login(owner)
    html = client.get("/rewards").get_data(as_text=True)
    lines = re.findall(
        r'<a href="/rewards/redemptions/(\d+)">(\w+)</a>\s*<span class="tag ([\w-]+)">', html
    )
    assert lines == [(str(second.id), "Second", "tag-ok"), (str(first.id), "First", "tag-warn")]
    assert re.search(
        r'<li><span>Came to a clinic<br><span class="muted"><time datetime="[\d-]+">[^<]+</time>'
        r'</span></span> <strong class="">\+1,250</strong></li>',
        html,
    )
    assert html.count('class="redeem-ask"') == 2


def _statements(client, count_queries) -> list[str]:
    client.get("/rewards")
    with count_queries() as statements:
        assert client.get("/rewards").status_code == 200
    return statements


def _reading(statements: list[str], table: str) -> list[str]:
    return [statement for statement in statements if f"FROM {table}" in statement]


def test_the_page_reads_all_it_shows_in_one_statement_and_events_only_for_seats(
    client, login, make_owner, make_reward, make_event, make_drive, count_queries
):
    login(make_owner())
    make_reward()
    make_drive()
    make_reward(category=Category.ALTRUISTIC)
    plain = _statements(client, count_queries)
    # The signed-in owner with the settings, and the rest in one: the balance, the purchases
    # referred, the catalogue, the redemptions, the ledger and the open drives.
    assert len(plain) == 2, "\n".join(plain)
    (page,) = [statement for statement in plain if "sum(points_entries.points)" in statement]
    for table in ("referrals", "rewards", "redemptions", "points_entries", "charity_drives"):
        assert _reading(plain, table) == [page], table
    make_reward(event_id=make_event(status=EventStatus.PUBLISHED).id)
    seats = _statements(client, count_queries)
    assert (
        len(seats) == len(plain) + 1 and len(_reading(seats, "events LEFT OUTER JOIN rsvps")) == 1
    )


def test_the_pages_links_are_kept_for_each_mount_point(
    client, login, make_owner, make_reward, make_redemption, give_points
):
    owner = make_owner(tier_level=2)
    give_points(owner, 500)
    reward = make_reward(points_cost=100)
    redemption = make_redemption(owner, reward)
    login(owner)
    for root in ("", "/club"):
        html = client.get("/rewards", base_url=f"http://localhost{root}").get_data(as_text=True)
        assert f'href="{root}/rewards/{reward.id}/redeem"' in html
        assert f'<a href="{root}/rewards/redemptions/{redemption.id}">' in html
        assert f'<a class="button button-secondary" href="{root}/invite">' in html
        assert f'<a href="{root}/service">Book a service visit</a>' in html
