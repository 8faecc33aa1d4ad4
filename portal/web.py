"""View glue every domain shares: one way to answer htmx, page lists, run a service, audit.

A view reads as: parse the request, call one service through `perform` (or one query),
render. `perform` commits, sends the messages the change queued once it is committed, and
turns a `ServiceError` into a message next to its form field.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import clock
from portal.audit import AuditEntry, record_audit
from portal.dealership.queries import weekly_message_limit
from portal.errors import ServiceError
from portal.extensions import db
from portal.notifications.dispatch import dispatch, take_queued
from portal.paging import ListPage, page_of
from portal.templating import dealership, local_datetime

T = TypeVar("T")

#: The staff area. Each domain adds its staff pages to it in its own `admin.py`; the shell
#: in `portal/admin/` adds the dashboard, the menu and the pages that belong to no domain.
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25
MIN_PER_PAGE = 5
MAX_PER_PAGE = 100
#: Page numbers past this are refused before they reach the database.
MAX_PAGE = 1_000_000


@admin_bp.before_request
def require_staff():
    """Every admin URL: sign-in required, then coordinator or admin role."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_staff:
        abort(403)
    return None


def admin_required(view: Callable) -> Callable:
    """Restrict a staff view to admins (coordinators get 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True
    return wrapped


# --- Answering --------------------------------------------------------------------------


def wants_fragment() -> bool:
    """An htmx request that is not boosted (nor a history restore): answer with the fragment."""
    headers = request.headers
    return (
        bool(headers.get("HX-Request"))
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def page_or_fragment(page_template: str, fragment_template: str, /, status: int = 200, **context):
    """Render the fragment for htmx, the whole page otherwise (both share one URL)."""
    template = fragment_template if wants_fragment() else page_template
    return render_template(template, **context), status


def form_page(template: str, form: FlaskForm, **context: Any):
    """Render a form's page: 422 when it carries errors, so tests and htmx can tell."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def see_other(endpoint: str, **values: Any):
    """Post/redirect/get: a 303 to another page of the portal."""
    return redirect(url_for(endpoint, **values), code=303)


def local_today() -> date:
    """Today's date at the dealership, in its stored time zone (the request's `dealership()`,
    which the layout reads anyway, rather than the settings read and copied again)."""
    return clock.now().astimezone(ZoneInfo(dealership()["timezone"])).date()


# --- Running a service ------------------------------------------------------------------


@dataclass
class Outcome(Generic[T]):
    """What `perform` did: the service's value, or the refusal it raised."""

    value: T | None = None
    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def perform(
    action: Callable[[], T],
    form: FlaskForm | None = None,
    field: str | None = None,
    then: Callable[[T], Any] | None = None,
) -> Outcome[T]:
    """Run one service call as the request's transaction.

    On success, `then(value)` runs in the same transaction (an audit entry, say), the
    transaction commits, and every message it queued is sent. On a `ServiceError` the
    transaction is rolled back and the message goes next to its field on `form` (the
    error's own field, else `field`), or into a flash when there is no form.
    """
    try:
        value = action()
        if then is not None:
            then(value)
    except ServiceError as error:
        db.session.rollback()
        take_queued(db.session)
        show_error(error, form, field)
        return Outcome(error=error)
    commit()
    return Outcome(value=value)


def show_error(error: ServiceError, form: FlaskForm | None, field: str | None = None) -> None:
    """Put a refusal next to its field, or flash it when no field fits."""
    name = error.field or field
    target = getattr(form, name, None) if form is not None and name else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


def commit(send: Iterable[int] = ()) -> None:
    """Commit the request's transaction, then send what it queued (and any `send` ids)."""
    queued = take_queued(db.session)
    db.session.commit()
    ids = [*queued, *send]
    if ids:
        dispatch(ids, weekly_limit=weekly_message_limit(db.session))


# --- Lists ------------------------------------------------------------------------------


def bounded_int(name: str, default: int, low: int, high: int) -> int:
    """An integer from the query string, held between `low` and `high`."""
    value = request.args.get(name, default, type=int)
    return min(max(value, low), high)


def page_number(name: str = "page") -> int:
    """The requested page: 1 when absent or nonsense, never past MAX_PAGE."""
    return bounded_int(name, 1, 1, MAX_PAGE)


def per_page(default: int = PER_PAGE) -> int:
    """The requested page size (`?per_page=`), kept between MIN_PER_PAGE and MAX_PER_PAGE."""
    return bounded_int("per_page", default, MIN_PER_PAGE, MAX_PER_PAGE)


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


def ordering(columns: Mapping[str, Any], sort: str, descending: bool, *tiebreak) -> list:
    """ORDER BY terms: the chosen column in the chosen direction, then stable tie-breakers."""
    column = columns[sort]
    return [column.desc() if descending else column.asc(), *tiebreak]


def list_args(**values) -> dict:
    """Query arguments a list page carries through its sort links and pager (blanks dropped)."""
    if "per_page" in request.args:
        values["per_page"] = per_page()
    return {key: value for key, value in values.items() if value not in (None, "")}


def paginate(statement, per: int | None = None, page: int | None = None) -> ListPage:
    """One page of a select, with the page number bounded (past the end: the last page).

    Two statements whatever the list's length: a count that stops a little past the page
    (`portal.paging`) and the page's rows.
    """
    return page_of(db.session, statement, page or page_number(), per or per_page())


# --- CSV downloads ----------------------------------------------------------------------

#: Rows fetched from the database at a time while a download streams.
EXPORT_BATCH = 500


def export_rows(statement):
    """Stream a select's rows in batches, for a CSV download."""
    return db.session.execute(statement.execution_options(yield_per=EXPORT_BATCH))


def export_filename(what: str) -> str:
    """`what-2026-12-01.csv`, dated today."""
    return f"{what}-{clock.now():%Y-%m-%d}.csv"


def export_moment(moment: datetime | None) -> str:
    """A moment as the dealership's local date and time, sortable in a spreadsheet."""
    return local_datetime(moment, "%Y-%m-%d %H:%M") if moment else ""


# --- Audit ------------------------------------------------------------------------------


def client_ip() -> str | None:
    """The remote address for the audit log (the proxy's, unless ProxyFix is configured)."""
    return request.remote_addr


def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a row, as they are now (for an entry's before or after)."""
    return {name: getattr(obj, name) for name in names}


def audit(
    action: str,
    entity_type: str,
    entity_id: Any,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Add an entry for the signed-in member of staff to the request's transaction.

    When both `before` and `after` are given, only the values that changed are kept; an
    edit that changed nothing leaves no entry.
    """
    if before is not None and after is not None:
        changed = [key for key in after if before.get(key) != after[key]]
        if not changed:
            return None
        before = {key: before.get(key) for key in changed}
        after = {key: after[key] for key in changed}
    return record_audit(
        db.session,
        actor=current_user._get_current_object(),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        summary=summary,
        ip=client_ip(),
    )


def audit_settings(
    namespace: str, changes: dict[str, tuple[Any, Any]], defaults: Mapping[str, Any]
) -> AuditEntry | None:
    """An entry for settings saved with `write_settings` ({key: (stored before, after)}).

    A key never stored before had its default, so that is its value before; saving a
    default as it was leaves no entry.
    """
    before = {
        key: defaults.get(key) if old is None else old for key, (old, _new) in changes.items()
    }
    after = {key: new for key, (_old, new) in changes.items()}
    changed = [key for key in after if before[key] != after[key]]
    return audit(
        "settings.update",
        "settings",
        namespace,
        f"Changed {namespace} settings: " + ", ".join(key.split(".", 1)[-1] for key in changed),
        before=before,
        after=after,
    )


# --- Refusals drawn above a form's fields (garage, reminders) ---------------------------

#: The name `perform_in_form` gives the place above a form's fields.
_ABOVE_FIELDS = "_above_fields"


class _FieldsAndTop:
    """A form as `show_error` sees it: its fields by name, and the place above them."""

    def __init__(self, form: FlaskForm):
        self._form = form

    def __getattr__(self, name: str) -> Any:
        return self if name == _ABOVE_FIELDS else getattr(self._form, name)

    @property
    def errors(self) -> list[str]:
        return self._form.form_errors

    @errors.setter
    def errors(self, messages: list[str]) -> None:
        self._form.form_errors = list(messages)


def perform_in_form(
    action: Callable[[], T], form: FlaskForm, then: Callable[[T], Any] | None = None
) -> Outcome[T]:
    """`perform` for a form that draws every refusal itself: one naming a field goes next to
    it, any other above the fields (`form.form_errors`) rather than into a flash."""
    return perform(action, _FieldsAndTop(form), _ABOVE_FIELDS, then)


# --- One row's page ----------------------------------------------------------------------


def found_or_404(value: T | None) -> T:
    """What a query found, or a 404 when it found nothing (another owner's row, say)."""
    if value is None:
        abort(404)
    return value


def forms_page(template: str, **context: Any):
    """Render a page holding several forms: 422 when any of them carries errors."""
    forms = [value for value in context.values() if isinstance(value, FlaskForm)]
    return render_template(template, **context), 422 if any(form.errors for form in forms) else 200
