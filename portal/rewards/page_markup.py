"""The owner's rewards page's lists drawn in Python: the catalogue's cards, the redemptions and
the ledger lines (`owner_page.Card`, `RedemptionLine`, `LedgerLine`).

Twenty cards of a dozen values each cost a template loop several times what they cost here:
each `{{ value }}` is a call to `escape` and each `{% if %}` a lookup. The templates
(`rewards/_catalogue.html`, `_redemptions.html`, `_history.html`) place what this module draws;
`tests/rewards/test_page_markup.py` holds the loops they had and compares the two. Every text
from the database or the settings is escaped here; numbers, the tags' and categories' words and
the page's own links (escaped once) need no more.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from portal.rewards.models import Category
from portal.rewards.owner_page import Card, LedgerLine, RedemptionLine
from portal.templating import dealership, escape_text, when

#: How a seat's event shows its start on a card: 'Tue 4 Mar 2031, 12:30 PM EST'.
EVENT_MOMENT = "%a %-d %b %Y, %-I:%M %p"
#: How the lists show a day: '4 Mar 2031'.
LIST_DAY = "%-d %b %Y"


def catalogue(
    cards: Iterable[Card], message: dict | None, event_url: str, points_rate: str | None
) -> Markup:
    """The catalogue's cards. `message` is what the card of the reward just redeemed says
    ({"reward_id", "success" or "error"}), `event_url` an event's page with `{}` for its id,
    `points_rate` the club's points-to-money rate in words (None when it shows none)."""
    event_link = escape_text(event_url)
    rate = (
        f'<p class="reward-rate">For a money drive, {escape_text(points_rate)}; an item drive says '
        "what your points give.</p>"
        if points_rate
        else ""
    )
    said_id = str(message["reward_id"]) if message else None
    parts = []
    for (
        reward_id,
        category,
        category_label,
        tier_name,
        name,
        description,
        event_id,
        event_title,
        event_starts_at,
        cost,
        stock,
        confirm_url,
        reason,
    ) in cards:
        tier = ""
        if tier_name:
            tier = f'<span class="tag tag-muted">{escape_text(tier_name)} and up</span>'
        about = (
            f'<p class="reward-description">{escape_text(description)}</p>' if description else ""
        )
        seat = (
            f'<p class="reward-event">A seat at <a href="{event_link.format(event_id)}">'
            f"{escape_text(event_title)}</a>, {when(event_starts_at, EVENT_MOMENT)}</p>"
            if event_id
            else ""
        )
        left = f'<span class="muted">· {stock} left</span>' if stock is not None else ""
        said = _message(message, event_link, event_id) if reward_id == said_id else ""
        if confirm_url:
            link = escape_text(confirm_url)
            action = (
                f'<p class="redeem-ask"><a class="button button-small" href="{link}" '
                f'hx-get="{link}" hx-target="#reward-{reward_id}" hx-swap="outerHTML" '
                f'aria-describedby="reward-{reward_id}-name">Redeem for {cost}</a></p>'
            )
        else:
            action = f'<p class="reward-locked">{escape_text(reason)}</p>'
        parts.append(
            f"""
    <article id="reward-{reward_id}" class="card reward-card category-{escape_text(category)}" aria-labelledby="reward-{reward_id}-name">
      <p class="reward-meta"><span class="tag tag-category">{category_label}</span> {tier}</p>
      <h3 id="reward-{reward_id}-name">{escape_text(name)}</h3>
      {about}{seat}{rate if category == Category.ALTRUISTIC else ""}
      <p class="reward-cost"><strong>{cost}</strong> points {left}</p>
      {said}{action}
    </article>"""  # noqa: E501 - the card's first line as the page writes it
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def _message(message: dict, event_link: str, event_id: int | None) -> str:
    """What the card of the reward just redeemed says: done (with the seat's link), or why not."""
    if message.get("success"):
        seat = f' <a href="{event_link.format(event_id)}">See your seat and ticket</a>'
        return (
            f'<p class="reward-message ok" role="status">{escape_text(message["success"])}'
            f"{seat if event_id else ''}</p>"
        )
    if message.get("error"):
        return f'<p class="reward-message error" role="alert">{escape_text(message["error"])}</p>'
    return ""


class _Days(dict):
    """The days the lists show, each drawn once: {local day: its `<time>`}. A moment shown only
    by its day is the dealership's own day, which `when` draws from the date alone."""

    def __init__(self) -> None:
        super().__init__()
        self.zone = ZoneInfo(dealership()["timezone"])

    def of(self, moment: datetime) -> str:
        """The moment's day in the dealership's time zone, as `when(moment, LIST_DAY)`."""
        day: date = moment.astimezone(self.zone).date()
        return self.get(day) or self.setdefault(day, when(day, LIST_DAY))


def redemptions(lines: Iterable[RedemptionLine]) -> Markup:
    """The owner's redemptions, each with where it stands and, under its name, its points, the
    drive it went to or the seat's event, and when it was asked for."""
    days = _Days()
    parts = []
    for (
        url,
        reward_name,
        tag_class,
        tag_text,
        points,
        cause,
        event_title,
        event_starts_at,
        created_at,
    ) in lines:
        drive = f" · for {escape_text(cause)}" if cause else ""
        seat = (
            f" · {escape_text(event_title)}, {days.of(event_starts_at)}" if event_starts_at else ""
        )
        parts.append(
            f"""
      <li>
        <a href="{escape_text(url)}">{escape_text(reward_name)}</a>
        <span class="tag {tag_class}">{tag_text}</span>
        <br><span class="muted">{points} points{drive}{seat} · {days.of(created_at)}</span>
      </li>"""
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def ledger(lines: Iterable[LedgerLine]) -> Markup:
    """The owner's latest ledger lines: why, when, and how many points came or went."""
    days = _Days()
    return Markup(  # noqa: S704 - the reasons are escaped, the rest is the page's own
        "".join(
            f'\n      <li><span>{escape_text(reason)}<br><span class="muted">'
            f"{days.of(created_at)}</span></span> "
            f'<strong class="{points_class}">{points}</strong></li>'
            for reason, created_at, points_class, points in lines
        )
    )
