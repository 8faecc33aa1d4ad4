"""The referral pipeline's table as its page shows it: the rows drawn in Python, the sort
heads' and the pager's links worked out once per page, the page's other links kept per app.

Fifty rows of eight cells cost a template loop twice what they cost here, and a macro per sort
head or per link cost the page more than drawing it: `admin/referrals/pipeline.html` places
what this module works out, in the markup of the shared macros (`admin/_macros.html`,
`macros/pagination.html`), which the tests compare it with.
"""

from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import get_template_attribute, url_for
from markupsafe import Markup

from portal.accounts.models import AMBASSADOR_LEVEL
from portal.links import kept_per_mount, url_pattern, with_query
from portal.referrals.models import SOURCE_LABELS, STAGE_LABELS
from portal.referrals.queries import Visit
from portal.templating import escape_text, phone, when

#: What became of a friend's RSVP, as the "came through" cell words it before the event's title.
VISIT_WORDS = {
    Visit.CAME.value: "Came to",
    Visit.CANCELLED.value: "Cancelled",
    Visit.RSVPED.value: "RSVPed to",
}
#: A stage's tag, by the stage's value: the same five on every page.
STAGE_TAGS = {
    stage.value: Markup('<span class="tag stage-{}">{}</span>').format(stage.value, label)
    for stage, label in STAGE_LABELS.items()
}
NO_REFERRER = '<span class="muted">No referrer (old link)</span>'
#: The format of the days a row shows: '2 Mar 2026'.
ROW_DAY = "%-d %b %Y"

#: The sortable columns as the table heads them: (label, column, descending first).
SORT_COLUMNS = (
    ("Friend", "name", False),
    ("Stage", "stage", False),
    ("Since", "date", True),
    ("Referred", "referred", True),
)


@dataclass(frozen=True, slots=True)
class PipelineLinks:
    """Where the pipeline links to: the list, its CSV, a referral's page (`{}` for the id), a
    stage's tab (`{}` for the stage)."""

    pipeline: str
    export: str
    referral: str
    stage: str


#: Where the app keeps the pipeline's links (`app.extensions[...]`), by its mount point.
_KEPT_LINKS = "portal.pipeline_links"


def pipeline_links() -> PipelineLinks:
    """The page's links, built once per mount point and kept (`web.kept_per_mount`)."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: PipelineLinks(
            pipeline=url_for("admin.referrals"),
            export=url_for("admin.export_referrals"),
            referral=url_pattern("admin.referral", "referral_id"),
            stage=url_pattern("admin.referrals", "stage"),
        ),
    )


def badges(levels: set[int], tiers) -> dict[int, Markup]:
    """{tier level: the referrer's badge and priority flag}, rendered once per level on the
    page rather than once per row."""
    badge = get_template_attribute("referrals/_macros.html", "tier_badge")
    flag = get_template_attribute("referrals/_macros.html", "priority_flag")
    return {
        level: badge(level, tiers.name(level))
        + Markup(" ")
        # The flag asks its member for their tier only.
        + flag(SimpleNamespace(tier_level=level), AMBASSADOR_LEVEL)
        for level in levels
    }


def referrer_levels(items) -> set[int]:
    """The tiers of the referrers on a page of `queries.pipeline` (friends who came through an
    old link have none)."""
    return {
        tier_level for *_, referrer_name, tier_level, _, _ in items if referrer_name is not None
    }


def table_body(items, detail_url: str, zone: ZoneInfo, badges: dict[int, Markup]) -> Markup:
    """The rows of `queries.pipeline` as the table shows them, drawn here rather than by the
    template: fifty rows of eight cells cost a template loop twice what they cost here.

    `detail_url` is the referral page's URL with `{}` for its id, `zone` the dealership's time
    zone (the days shown are its own), `badges` the referrers' tier badges by level. Every
    text from the database is escaped; the channels, the ways of contact and the days are the
    same few on every page, each worked out once.
    """
    detail = escape_text(detail_url)
    days: dict = {}
    channels: dict = {}
    contacts: dict = {}
    parts = []
    for (
        referral_id,
        name,
        model_of_interest,
        preferred_contact,
        number,
        email,
        source,
        stage,
        stage_changed_at,
        created_at,
        referrer_name,
        tier_level,
        visit,
        event_title,
    ) in items:
        referrer = (
            NO_REFERRER
            if referrer_name is None
            else f"{escape_text(referrer_name)}<br>{badges[tier_level]}"
        )
        channel = channels.get(source) or channels.setdefault(
            source, escape_text(SOURCE_LABELS.get(source, "—"))
        )
        if visit:
            title = escape_text(event_title)
            channel = f'{channel}<br><span class="muted">{VISIT_WORDS[visit]} {title}</span>'
        contact = contacts.get(preferred_contact) or contacts.setdefault(
            preferred_contact, escape_text(preferred_contact.capitalize())
        )
        reach = escape_text(phone(number) if number else email)
        moved_on = stage_changed_at.astimezone(zone).date()
        moved = days.get(moved_on) or days.setdefault(moved_on, when(moved_on, ROW_DAY))
        referred_on = created_at.astimezone(zone).date()
        referred = days.get(referred_on) or days.setdefault(referred_on, when(referred_on, ROW_DAY))
        parts.append(
            f"""
          <tr>
            <td><a href="{detail.format(referral_id)}">{escape_text(name)}</a></td>
            <td>{escape_text(model_of_interest) if model_of_interest else "—"}</td>
            <td>{contact}<br><span class="muted">{reach}</span></td>
            <td>{referrer}</td>
            <td>{channel}</td>
            <td>{STAGE_TAGS[stage]}</td>
            <td class="nowrap">{moved}</td>
            <td class="nowrap">{referred}</td>
          </tr>"""
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


class SortHead(NamedTuple):
    """A sortable column's head: its link, and how the list is sorted by it now."""

    label: str
    href: str
    #: The `aria-sort` value: ascending, descending or none.
    aria_sort: str
    #: ▲, ▼ or ↕.
    mark: str
    #: ", sorted ascending" for the column the list is sorted by, else "".
    sorted_note: str


def sort_heads(list_url: str, sort: str, descending: bool, list_args: dict) -> tuple[SortHead, ...]:
    """The sortable columns' heads, in `SORT_COLUMNS` order: a link to the list sorted by the
    column (the other way round for the current one), the list's other arguments kept."""
    return _sort_heads(list_url, sort, descending, tuple(list_args.items()))


@lru_cache(maxsize=256)
def _sort_heads(
    list_url: str, sort: str, descending: bool, kept: tuple[tuple[str, object], ...]
) -> tuple[SortHead, ...]:
    # Worked out once per URL, order and stage (a few dozen): the heads are the same on every
    # page of the list, and their links cost more than the rest of the table's head.
    direction = "descending" if descending else "ascending"
    heads = []
    for label, column, first_descending in SORT_COLUMNS:
        current = column == sort
        next_descending = (not descending) if current else first_descending
        href = with_query(
            list_url, ("sort", column), ("dir", "desc" if next_descending else "asc"), *kept
        )
        heads.append(
            SortHead(
                label,
                href,
                direction if current else "none",
                ("▼" if descending else "▲") if current else "↕",
                f", sorted {direction}" if current else "",
            )
        )
    return tuple(heads)


def pager_links(list_url: str, page, sort: str, descending: bool, list_args: dict):
    """(previous page's link or None, next page's link or None) under the table, the order and
    the list's arguments kept; None for a list of one page."""
    if page.pages <= 1:
        return None
    order = (("sort", sort), ("dir", "desc" if descending else "asc"), *list_args.items())
    return (
        with_query(list_url, ("page", page.prev_num), *order) if page.has_prev else None,
        with_query(list_url, ("page", page.next_num), *order) if page.has_next else None,
    )
