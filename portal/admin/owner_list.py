"""The owners list as its table shows it: its rows drawn in Python, the sort links and the
pager's links worked out once per page so that the template only places them.

A macro per row (the status tag), a macro per sortable column and the pager's macro cost this
page more than its rows; the markup they gave is written out in `admin/owners/_results.html`.
"""

from dataclasses import dataclass
from typing import NamedTuple

from flask import url_for
from markupsafe import Markup, escape

from portal.links import kept_per_mount, url_pattern, with_query
from portal.templating import phone, when

#: An owner's status tag, by the status `queries.owner_list` reads: three fixed pieces of
#: markup, the same as the `owner_status` macro of `admin/_macros.html` gives.
STATUS_TAGS = {
    "deactivated": Markup('<span class="tag tag-danger">Deactivated</span>'),
    "new": Markup('<span class="tag tag-muted">Not signed in yet</span>'),
    "active": Markup('<span class="tag tag-ok">Active</span>'),
}

#: How the day an owner joined reads: '4 Mar 2025'.
JOINED_DAY = "%-d %b %Y"

#: The sortable columns as the table heads them: (label, column, numeric, descending first).
SORT_COLUMNS = (
    ("Name", "name", False, False),
    ("Cars", "cars", True, True),
    ("Joined", "joined", False, True),
)


class SortLink(NamedTuple):
    """A sortable column's head: its link, and how the list is sorted by it now."""

    label: str
    href: str
    #: "sortable" or "sortable num".
    css: str
    #: The `aria-sort` value: ascending, descending or none.
    aria_sort: str
    #: ▲, ▼ or ↕.
    mark: str
    #: ", sorted ascending" for the column the list is sorted by, else "".
    sorted_note: str


class PagerLinks(NamedTuple):
    """The pager under the table; `prev`/`next` are None at either end."""

    page: int
    #: "12" or "41+" (counted only that far).
    pages: str
    prev: str | None
    next: str | None


@dataclass(frozen=True, slots=True)
class ListLinks:
    """Where the owners page links to: the list, the CSV, the import page, an owner's page
    (`{}` for the id)."""

    owners: str
    export: str
    imports: str
    owner: str


#: Where the app keeps the list's links (`app.extensions[...]`), by the path it is mounted at.
_KEPT_LINKS = "portal.owner_list_links"


def list_links() -> ListLinks:
    """The page's links, built once per mount point and kept (`web.kept_per_mount`)."""
    return kept_per_mount(
        _KEPT_LINKS,
        lambda: ListLinks(
            owners=url_for("admin.owners"),
            export=url_for("admin.export_owners"),
            imports=url_for("admin.imports"),
            owner=url_pattern("admin.owner", "user_id"),
        ),
    )


def export_link(export_url: str, query: str, sort: str, descending: bool) -> str:
    """The CSV download of the owners found, in the list's order."""
    return with_query(
        export_url, ("q", query or None), ("sort", sort), ("dir", "desc" if descending else None)
    )


def table_body(items, owner_url: str) -> Markup:
    """The rows of `queries.owner_list` as the table shows them, drawn here rather than by the
    template (a template loop costs twice as much); `owner_url` has `{}` for the owner's id.
    Names, emails and phone numbers are escaped; the status tags and days come ready-made."""
    pattern = str(escape(owner_url))
    parts = []
    for owner_id, name, email, number, created_at, status, cars in items:
        parts.append(
            f"""
  <tr>
    <td><a class="row-link" href="{pattern.format(owner_id)}">{escape(name)}</a></td>
    <td class="nowrap">{escape(email)}</td>
    <td class="nowrap">{escape(phone(number) or "—")}</td>
    <td class="num">{cars:d}</td>
    <td class="nowrap">{when(created_at, JOINED_DAY)}</td>
    <td>{STATUS_TAGS[status]}</td>
  </tr>"""
        )
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def sort_links(list_url: str, sort: str, descending: bool, query: str) -> list[SortLink]:
    """The sortable columns' heads: a link to the list sorted by the column (the other way
    round for the current one), the search kept."""
    links = []
    for label, column, numeric, first_descending in SORT_COLUMNS:
        current = column == sort
        next_descending = (not descending) if current else first_descending
        href = with_query(
            list_url,
            ("sort", column),
            ("dir", "desc" if next_descending else "asc"),
            ("q", query or None),
        )
        direction = "descending" if descending else "ascending"
        links.append(
            SortLink(
                label,
                href,
                "sortable num" if numeric else "sortable",
                direction if current else "none",
                ("▼" if descending else "▲") if current else "↕",
                f", sorted {direction}" if current else "",
            )
        )
    return links


def pager_links(list_url: str, page, query: str, sort: str, descending: bool) -> PagerLinks | None:
    """The pager's links for `page` (a `ListPage`), the search and the order kept; None for a
    list of one page."""
    if page.pages <= 1:
        return None

    def page_url(number: int) -> str:
        return with_query(
            list_url,
            ("page", number),
            ("q", query or None),
            ("sort", sort),
            ("dir", "desc" if descending else None),
        )

    return PagerLinks(
        page.page,
        f"{page.pages}" if page.exact else f"{page.pages}+",
        page_url(page.prev_num) if page.has_prev else None,
        page_url(page.next_num) if page.has_next else None,
    )
