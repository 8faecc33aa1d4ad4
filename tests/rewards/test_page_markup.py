"""The rewards page's lists drawn in Python (`portal.rewards.page_markup`) read exactly as the
template loops that drew them before, kept here as the reference, for every kind of card, line
and message, with hostile names."""

import re
from datetime import UTC, datetime

import pytest

from portal.referrals.rules import Tiers
from portal.rewards import owner_page, page_markup
from portal.rewards.models import Category, RedemptionStatus
from tests.rewards.test_owner_page import _reward_row

EVIL = "<script>alert('1') & \"x\"</script>"
WHEN = datetime(2031, 3, 4, 17, 30, tzinfo=UTC)

CATALOGUE_LOOP = """
{%- for reward_id, category, category_label, tier_name, name, description, event_id, event_title,
        event_starts_at, cost, stock, confirm_url, reason in cards %}
  <article id="reward-{{ reward_id }}" class="card reward-card category-{{ category }}" aria-labelledby="reward-{{ reward_id }}-name">
    <p class="reward-meta"><span class="tag tag-category">{{ category_label }}</span>
      {% if tier_name %}<span class="tag tag-muted">{{ tier_name }} and up</span>{% endif %}</p>
    <h3 id="reward-{{ reward_id }}-name">{{ name }}</h3>
    {% if description %}<p class="reward-description">{{ description }}</p>{% endif %}
    {% if event_id %}<p class="reward-event">A seat at <a href="{{ event_url.format(event_id) }}">{{ event_title }}</a>, {{ event_starts_at|when("%a %-d %b %Y, %-I:%M %p") }}</p>{% endif %}
    {% if category == "altruistic" and points_rate %}<p class="reward-rate">For a money drive, {{ points_rate }}; an item drive says what your points give.</p>{% endif %}
    <p class="reward-cost"><strong>{{ cost }}</strong> points
      {% if stock is not none %}<span class="muted">· {{ stock }} left</span>{% endif %}</p>
    {% if message and message.reward_id|string == reward_id %}
      {% if message.success %}
      <p class="reward-message ok" role="status">{{ message.success }}{% if event_id %} <a href="{{ event_url.format(event_id) }}">See your seat and ticket</a>{% endif %}</p>
      {% elif message.error %}
      <p class="reward-message error" role="alert">{{ message.error }}</p>
      {% endif %}
    {% endif %}
    {% if confirm_url %}
      <p class="redeem-ask"><a class="button button-small" href="{{ confirm_url }}"
         hx-get="{{ confirm_url }}" hx-target="#reward-{{ reward_id }}" hx-swap="outerHTML"
         aria-describedby="reward-{{ reward_id }}-name">Redeem for {{ cost }}</a></p>
    {% else %}
      <p class="reward-locked">{{ reason }}</p>
    {% endif %}
  </article>
{%- endfor %}
"""  # noqa: E501

REDEMPTIONS_LOOP = """
{%- for url, reward_name, tag_class, tag_text, points, cause, event_title, event_starts_at, created_at in redemptions %}
<li>
  <a href="{{ url }}">{{ reward_name }}</a>
  <span class="tag {{ tag_class }}">{{ tag_text }}</span>
  <br><span class="muted">{{ points }} points{% if cause %} · for {{ cause }}{% endif %}{% if event_starts_at %} · {{ event_title }}, {{ event_starts_at|when("%-d %b %Y") }}{% endif %} · {{ created_at|when("%-d %b %Y") }}</span>
</li>
{%- endfor %}
"""  # noqa: E501

LEDGER_LOOP = """
{%- for reason, created_at, points_class, points in history %}
<li><span>{{ reason }}<br><span class="muted">{{ created_at|when("%-d %b %Y") }}</span></span> <strong class="{{ points_class }}">{{ points }}</strong></li>
{%- endfor %}
"""  # noqa: E501


def _flat(html: str) -> str:
    """Markup with the whitespace between and around tags taken out."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


def _reference(app, loop: str, **context) -> str:
    return _flat(app.jinja_env.from_string(loop).render(**context))


def _cards():
    rows = [
        _reward_row(1, name=f"Valet {EVIL}", description=f"Polish {EVIL}", min_tier=2, stock=3),
        _reward_row(2, description=None, points_cost=50, stock=0),
        _reward_row(3, points_cost=900_000),
        _reward_row(4, name="Seat", event_id=9, event_title=f"Launch {EVIL}", event_starts_at=WHEN),
        _reward_row(5, category=Category.ALTRUISTIC, points_cost=100),
        _reward_row(6, category=Category.ALTRUISTIC, points_cost=100_000),
        _reward_row(7, category=Category.TRANSACTIONAL, points_cost=10),
    ]
    return owner_page.catalogue_cards(
        rows,
        tier_level=1,
        balance=2_000,
        tiers=Tiers(names=["Member", f"Adv {EVIL}", "Ambassador"], thresholds=[0, 1, 3]),
        gifts={5},
        seats={9: None},
        redeem_url="/club/rewards/{}/redeem",
    )


@pytest.mark.parametrize("points_rate", ["100 points = $1", None, f"rate {EVIL}"])
@pytest.mark.parametrize(
    "message",
    [
        None,
        {"reward_id": 4, "success": f"Your seat at {EVIL} is reserved."},
        {"reward_id": 1, "success": f"{EVIL} is yours."},
        {"reward_id": 5, "error": f"Not {EVIL}."},
        {"reward_id": 99, "error": "Elsewhere."},
    ],
)
def test_the_cards_read_as_the_template_loop(app, message, points_rate):
    cards = _cards()
    with app.test_request_context():
        drawn = page_markup.catalogue(cards, message, "/club/events/{}", points_rate)
        reference = _reference(
            app,
            CATALOGUE_LOOP,
            cards=cards,
            message=message,
            event_url="/club/events/{}",
            points_rate=points_rate,
        )
    assert _flat(drawn) == reference
    assert EVIL not in drawn


def test_the_redemptions_and_ledger_read_as_the_template_loops(app):
    rows = [
        (redemption_id, status, 1_200, cause, drive_id, rsvp_id, WHEN, f"Gift {EVIL}", title, WHEN)
        for redemption_id, (status, cause, drive_id, rsvp_id, title) in enumerate(
            [
                (RedemptionStatus.PENDING, None, None, None, None),
                (RedemptionStatus.FULFILLED, None, None, None, None),
                (RedemptionStatus.DECLINED, None, None, None, None),
                (RedemptionStatus.PENDING, f"Coats {EVIL}", 3, None, None),
                (RedemptionStatus.FULFILLED, "Coats", 3, None, None),
                (RedemptionStatus.PENDING, None, None, 8, f"Launch {EVIL}"),
                (RedemptionStatus.DECLINED, None, None, 8, "Launch"),
            ]
        )
    ]
    lines = owner_page.redemption_lines(rows, "/rewards/redemptions/{}?a=1&b=2")
    history = owner_page.ledger_lines(
        [(1_250, f"Came {EVIL}", WHEN), (-300, "Spent", datetime(2031, 1, 1, 3, tzinfo=UTC))]
    )
    with app.test_request_context():
        drawn = (page_markup.redemptions(lines), page_markup.ledger(history))
        reference = (
            _reference(app, REDEMPTIONS_LOOP, redemptions=lines),
            _reference(app, LEDGER_LOOP, history=history),
        )
    assert tuple(map(_flat, drawn)) == reference
    assert EVIL not in "".join(drawn)
