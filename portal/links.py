"""Links a page builds once and reuses: per-row URL patterns, query strings written as
`url_for` writes them, and a page's set of links kept per mount point.

A core module (Flask only), so every domain may use it, the lowest layers included.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import current_app, request, url_for

T = TypeVar("T")


#: A stand-in id: `url_pattern` builds a URL once with it, then marks where ids go.
_ANY_ID = 2_147_483_647


def url_pattern(endpoint: str, slot: str, **values: Any) -> str:
    """`endpoint`'s URL with `{}` where the `slot` argument goes, for a list's per-row links:
    one `url_for` for the list, `pattern.format(row.id)` for each row."""
    before, _, after = url_for(endpoint, **values, **{slot: _ANY_ID}).rpartition(str(_ANY_ID))
    return f"{before}{{}}{after}"


#: What `url_for` leaves as it is in a query string (Werkzeug's own `_urlencode`).
_QUERY_SAFE = "!$'()*,/:;?@"


def with_query(url: str, *args: tuple[str, object]) -> str:
    """`url` with the query arguments in `args`, in that order, those that are None left out:
    the URL `url_for` writes for the same arguments, without its cost (about 15 µs)."""
    query = urlencode([(key, value) for key, value in args if value is not None], safe=_QUERY_SAFE)
    return f"{url}?{query}" if query else url


def kept_per_mount(name: str, build: Callable[[], T]) -> T:
    """What `build()` gives (a page's links), worked out once per mount point and kept in
    `app.extensions[name]`: the app's URLs never change while it runs."""
    kept = current_app.extensions.setdefault(name, {})
    value = kept.get(request.script_root)
    if value is None:
        value = kept[request.script_root] = build()
    return value
