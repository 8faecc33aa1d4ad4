"""Small helpers the admin list pages share: paging, sorting, the client's address."""

from collections.abc import Mapping
from typing import Any

from flask import request

PER_PAGE = 25
MIN_PER_PAGE = 5
MAX_PER_PAGE = 100


def page_number() -> int:
    """The requested page, 1 when absent or nonsense."""
    return max(request.args.get("page", 1, type=int), 1)


def sort_params(
    allowed: tuple[str, ...], default: str, default_descending: bool = False
) -> tuple[str, bool]:
    """(column, descending) from `?sort=&dir=`, limited to the allowed columns."""
    sort = request.args.get("sort", default)
    if sort not in allowed:
        sort = default
    if "dir" not in request.args:
        return sort, default_descending if sort == default else False
    return sort, request.args.get("dir") == "desc"


def per_page(default: int = PER_PAGE) -> int:
    """The requested page size (`?per_page=`), kept between MIN_PER_PAGE and MAX_PER_PAGE."""
    return min(max(request.args.get("per_page", default, type=int), MIN_PER_PAGE), MAX_PER_PAGE)


def ordering(columns: Mapping[str, Any], sort: str, descending: bool, *tiebreak) -> list:
    """ORDER BY terms: the chosen column in the chosen direction, then stable tie-breakers."""
    column = columns[sort]
    return [column.desc() if descending else column.asc(), *tiebreak]


def list_args(**values) -> dict:
    """Query arguments a list page carries through its sort links and pager (blanks dropped)."""
    if "per_page" in request.args:
        values["per_page"] = per_page()
    return {key: value for key, value in values.items() if value not in (None, "")}


def client_ip() -> str | None:
    """The remote address for the audit log (the proxy's, unless ProxyFix is configured)."""
    return request.remote_addr


def wants_fragment() -> bool:
    """An htmx request that is not boosted (nor a history restore): answer with the fragment."""
    headers = request.headers
    return (
        bool(headers.get("HX-Request"))
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )
