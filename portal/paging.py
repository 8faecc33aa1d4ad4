"""Pages of a long list that never count the whole list to show one page.

A staff list tells staff where they are ("Page 3 of 12", "287 owners") and lets them go to
the previous and the next page. Counting every matching row on every page costs more than
the page itself on a big table: `count(*)` walks the whole index, 70,000 owners for 25
rows. So the count stops `COUNT_AHEAD` rows past the page's first row: a longer list reads
"Page 3 of 42+" and "More than 1,050 owners" (the "+" says "more than"), which is all a
person paging through it needs, and each page costs the same however long the list is.
Lists of work to do (pending redemptions, open visit requests) stay well under that and
are counted exactly.

A page number past the end (an old link, a number typed by hand) shows the last page: the
bounded count already says where that is, so it costs no third statement.
"""

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

#: Rows counted past the first row of the page shown; beyond them the total is "more than".
COUNT_AHEAD = 1_000


@dataclass(frozen=True)
class ListPage:
    """One page of a list, with as much of the total as was worth counting."""

    items: list[Any]
    #: The page shown, 1-based (the last page when the one asked for was past the end).
    page: int
    per_page: int
    #: Rows in the whole list when `exact`, else a number the list is known to exceed.
    total: int
    exact: bool

    @property
    def pages(self) -> int:
        """Pages in the list (more than this many when the total is not exact)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or not self.exact

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def in_direction(descending: bool, *columns) -> list:
    """ORDER BY terms all running one way (the sort, then its tie-breakers), so that one
    index, read forwards or backwards, gives the order without sorting the rows."""
    return [column.desc() if descending else column.asc() for column in columns]


def bounded_count(session: Session, statement: Select, limit: int) -> int:
    """How many rows `statement` selects, counting no further than `limit`.

    The rows are counted from a select of a constant over the same FROM, joins and WHERE,
    so the database can count index entries without reading a single table row (13 ms for
    10,000 owners when the counted select names every column, 1 ms when it does not).
    """
    rows = statement.with_only_columns(literal(1), maintain_column_froms=True)
    counted = rows.order_by(None).limit(limit).subquery()
    return session.scalar(select(func.count()).select_from(counted))


def page_of(
    session: Session, statement: Select, page: int, per_page: int, rows: bool = False
) -> ListPage:
    """Page `page` of the rows `statement` selects (ORM entities; with `rows`, its rows of
    columns), in two statements.

    Past the end it is the last page; the total is exact up to COUNT_AHEAD rows past the
    start of the page.
    """
    start = (page - 1) * per_page
    known = start + max(COUNT_AHEAD, per_page)
    counted = bounded_count(session, statement, known + 1)
    exact = counted <= known
    if page > 1 and counted <= start:
        page = max(1, ceil(counted / per_page))
        start = (page - 1) * per_page
    paged = statement.limit(per_page).offset(start)
    items = list(session.execute(paged) if rows else session.scalars(paged).unique())
    return ListPage(items, page, per_page, counted if exact else known, exact)
