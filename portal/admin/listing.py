"""Small helpers the admin list pages share: paging, sorting, the client's address."""

from flask import request

PER_PAGE = 25


def page_number() -> int:
    """The requested page, 1 when absent or nonsense."""
    return max(request.args.get("page", 1, type=int), 1)


def sort_params(allowed: tuple[str, ...], default: str) -> tuple[str, bool]:
    """(column, descending) from `?sort=&dir=`, limited to the allowed columns."""
    sort = request.args.get("sort", default)
    if sort not in allowed:
        sort = default
    return sort, request.args.get("dir") == "desc"


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
