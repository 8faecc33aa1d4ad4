"""What every template can use: the dealership, the unread count, local dates, numbers."""

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app, g, request, url_for
from flask.templating import Environment
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from portal.db import read_once
from portal.extensions import db
from portal.forms import kept_csrf_token


class PortalEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals in a plain dict.

    Jinja gives every template a `ChainMap` of its own globals over the environment's, and
    copies it into each context it makes: every render, every `{% include %}`, every macro
    called with context. A `ChainMap` is copied key by key in Python, each key first missed
    (a `KeyError` raised and caught) in the template's own empty map: a render's context
    took 12 µs to make, 2 µs from a dict (3% of the home page's instructions, five sections).
    Here a template's globals are the environment's as they were when it loaded, with its own
    on top. Jinja asks that globals not change once templates load (`Environment.make_globals`);
    the app's are all set in `create_app`, before any template loads.
    """

    def make_globals(self, d: dict | None) -> dict:
        return {**self.globals, **d} if d else dict(self.globals)


def dealership() -> dict:
    """The dealership's name, time zone and contact details, read once per request."""
    profile = g.get("dealership")
    if profile is None:
        from portal.dealership.queries import dealership_profile

        profile = g.dealership = dealership_profile(db.session)
    return profile


#: How a moment reads unless a page asks otherwise: 'Thu 10 Dec 2026, 11:00 AM'.
MOMENT_FORMAT = "%a %-d %b %Y, %-I:%M %p"
#: How a day reads unless a page asks otherwise: 'Thu 10 Dec 2026'.
DAY_FORMAT = "%a %-d %b %Y"
#: strftime directives that show a time of day, which then needs its zone to mean anything.
_TIME_OF_DAY = re.compile(r"%-?[HIMpXcSRTr]")


def _zone() -> ZoneInfo:
    """The dealership's time zone (a page may show a hundred dates: `ZoneInfo` keeps them)."""
    return ZoneInfo(dealership()["timezone"])


def local_datetime(value: datetime | None, fmt: str = MOMENT_FORMAT) -> str:
    """An aware datetime in the dealership's time zone, exactly as `fmt` says (CSV, sorting)."""
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime(fmt)


@lru_cache(maxsize=128)
def shows_time_of_day(fmt: str) -> bool:
    """Whether a strftime format shows the time, not just the day."""
    return bool(_TIME_OF_DAY.search(fmt))


def when_text(value: datetime | date | None, fmt: str | None = None) -> str:
    """A moment or a day as people read it; a time of day carries its zone ('11:00 AM EST').

    For plain text (emails, messages). Pages use `when`, which wraps the same words in
    `<time datetime>`.
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime(fmt or DAY_FORMAT)
    fmt = fmt or MOMENT_FORMAT
    local = value.astimezone(_zone())
    if shows_time_of_day(fmt):
        return f"{local:{fmt}} {local:%Z}"
    return local.strftime(fmt)


def when(value: datetime | date | None, fmt: str | None = None) -> Markup:
    """The one way a page shows a time or a date: `<time datetime="...">` and readable words.

    A moment shown with its time of day reads 'Thu 10 Dec 2026, 11:00 AM EST' and its
    `datetime` is ISO 8601 with the offset (2026-12-10T11:00:00-05:00); a day, or a moment
    shown only by its day, gets the local date (2026-12-10).
    """
    if value is None:
        return Markup("")
    if not isinstance(value, datetime):
        return _day_element(value, fmt or DAY_FORMAT)
    return _moment_element(value, fmt or MOMENT_FORMAT, dealership()["timezone"])


@pass_context
def when_filter(context: Context, value: datetime | date | None, fmt: str | None = None) -> Markup:
    """`when` as templates call it: the zone comes from the page's own `dealership`.

    A list page shows a hundred moments; each call finding the dealership through `g` cost
    more than drawing the moment (a kept `_moment_element`). A template rendered without the
    context processor (an imported macro, a part rendered on its own) finds it as `when` does.
    """
    if value is None:
        return Markup("")
    if not isinstance(value, datetime):
        return _day_element(value, fmt or DAY_FORMAT)
    profile = context.get("dealership")
    zone = profile["timezone"] if isinstance(profile, dict) else dealership()["timezone"]
    return _moment_element(value, fmt or MOMENT_FORMAT, zone)


# A list page shows the same few moments on every request (an event's start, three times on
# one card): each one is worked out once and kept. The words depend only on the moment, the
# format and the zone, so a kept element is never out of date.
@lru_cache(maxsize=4096)
def _moment_element(value: datetime, fmt: str, zone_name: str) -> Markup:
    local = value.astimezone(ZoneInfo(zone_name))
    if shows_time_of_day(fmt):
        words, stamp = f"{local:{fmt}} {local:%Z}", local.isoformat(timespec="seconds")
    else:
        words, stamp = local.strftime(fmt), local.date().isoformat()
    # The same words as `when_text`, worked out here once; the stamp is ISO 8601 (no markup).
    return Markup(f'<time datetime="{stamp}">{escape(words)}</time>')  # noqa: S704 - escaped


@lru_cache(maxsize=1024)
def _day_element(value: date, fmt: str) -> Markup:
    words = value.strftime(fmt)
    return Markup(f'<time datetime="{value.isoformat()}">{escape(words)}</time>')  # noqa: S704


def yearly_day(month: int, day: int) -> Markup:
    """A day that comes back every year ('15 Oct'), as a yearless `<time datetime="10-15">`."""
    words = f"{day} {date(2000, month, day):%b}"
    return Markup('<time datetime="{:02d}-{:02d}">{}</time>').format(month, day, words)


def long_date(value: date | None) -> str:
    """A date as people write it: 'Tue 3 Mar 2026' (plain text; pages use `when`)."""
    return value.strftime(DAY_FORMAT) if value else ""


def escape_text(value) -> str:
    """`value` escaped for HTML exactly as `markupsafe.escape` does it, as a plain str: for
    the markup the pages draw in Python, where each interpolated `escape(...)` cost about
    1.2 µs (building a `Markup`, then formatting it) and a replace chain costs a fifth of that.
    A str is escaped here; anything else (markup already safe, a number, None) goes through
    `escape` itself, so safe markup is never escaped twice."""
    if type(value) is str:
        return (
            value.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return str.__str__(escape(value))


def thousands(value: int | None) -> str:
    """12345 as '12,345'."""
    return f"{value:,}" if value is not None else ""


#: Numbers formatted from memory: the same number in the same home region always reads the
#: same, and working it out takes about 27 µs (finding a +1 or +44 number's region tries each
#: region's patterns), which a table of 25 owners or 50 referrals would pay on every view.
PHONES_REMEMBERED = 8192


def phone(value: str | None) -> str:
    """An E.164 number as people write it: national form at home, international abroad."""
    if not value:
        return ""
    return _phone_as_written(value, current_app.config["PORTAL_PHONE_REGION"])


@lru_cache(maxsize=PHONES_REMEMBERED)
def _phone_as_written(value: str, home: str) -> str:
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(parsed) == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 car', '2 cars'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def count_of(page, singular: str | None = None, plural_form: str | None = None) -> str:
    """A list's size as its page knows it: '287 owners', or 'More than 10,000 owners' when it
    was counted only that far (`portal.paging`). Without a noun, just the number ('10,000+')."""
    exact = getattr(page, "exact", True)
    if singular is None:
        return f"{page.total:,}" if exact else f"{page.total:,}+"
    noun = singular if page.total == 1 and exact else (plural_form or singular + "s")
    return f"{page.total:,} {noun}" if exact else f"More than {page.total:,} {noun}"


# --- The layout's fixed parts ----------------------------------------------------------

#: Where the app keeps the layout's parts it has rendered (`app.extensions[...]`).
_LAYOUTS = "portal.layouts"
#: The sections of the header's links that can be the current page's ("aria-current").
_NAV_SECTIONS = frozenset(
    {"garage", "reminders", "servicelane", "events", "rewards", "referrals", "community"}
    | {"admin", "notifications"}
)
#: Pages that are a section of their own though their blueprint has other pages.
_NAV_PAGES = {"home.index": "home", "accounts.profile": "profile"}
#: The links the layout itself shows, each to a page without arguments.
_LAYOUT_LINKS = {
    "home": "home.index",
    "inbox": "notifications.inbox",
    "profile": "accounts.profile",
    "logout": "accounts.logout",
    "events": "events.index",
    "community": "community.index",
    "login": "accounts.login",
    "register": "accounts.register",
}


@dataclass(frozen=True)
class Layout:
    """What `base.html` draws the same way for everyone of one kind on one section: the
    stylesheets and scripts, the main links (empty for visitors) and the layout's own URLs."""

    head: Markup
    nav: Markup
    urls: dict[str, str]
    current: str | None


def nav_section() -> str | None:
    """The section of the header the current page belongs to, if any (charity is community)."""
    section = _NAV_PAGES.get(request.endpoint or "")
    if section is None:
        blueprint = "community" if request.blueprint == "charity" else request.blueprint
        section = blueprint if blueprint in _NAV_SECTIONS else None
    return section


def page_layout() -> Layout:
    """The layout's fixed parts for this page, rendered once per process and kept.

    They differ only by who looks (a visitor, an owner, staff) and the section the page is
    in, and the URLs by where the app is mounted. Kept until the process ends (templates
    that reload, in development, are rendered afresh each time).
    """
    app = current_app._get_current_object()
    if not current_user.is_authenticated:
        kind = "visitor"
    else:
        kind = "staff" if current_user.is_staff else "owner"
    key = (request.script_root, kind, nav_section())
    kept = app.extensions[_LAYOUTS]
    layout = kept.get(key)
    if layout is None:
        layout = _render_layout(app, kind, key[2])
        if not app.jinja_env.auto_reload:
            kept[key] = layout
    return layout


def _render_layout(app: Flask, kind: str, current: str | None) -> Layout:
    environment = app.jinja_env
    nav = ""
    if kind != "visitor":
        nav = environment.get_template("_nav_links.html").render(
            staff=kind == "staff", current=current
        )
    return Layout(
        head=Markup(environment.get_template("_head_assets.html").render().strip()),  # noqa: S704
        nav=Markup(nav.strip()),  # noqa: S704 - rendered by an autoescaping template
        urls={name: url_for(endpoint) for name, endpoint in _LAYOUT_LINKS.items()},
        current=current,
    )


# --- Static files -------------------------------------------------------------------------

#: How long a browser (or nginx) may keep a static file fetched by its versioned URL.
STATIC_KEPT_SECONDS = 365 * 24 * 3600


def static_url(filename: str) -> str:
    """A static file's URL carrying its content's version (`?v=`, from a digest of the file).

    The version changes whenever the file does, so the file can be kept for a year
    (`cache_versioned_static`): a browser asks for each stylesheet and script once, instead
    of asking the server on every page whether it changed, and a new release is never
    served stale.
    """
    path = os.path.join(current_app.static_folder, filename)
    stat = os.stat(path)
    version = _content_version(path, stat.st_mtime_ns, stat.st_size)
    return url_for("static", filename=filename, v=version)


@lru_cache(maxsize=256)
def _content_version(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def cache_versioned_static(response):
    """A static file asked for by its versioned URL may be kept a year, unchanged."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = STATIC_KEPT_SECONDS
        response.cache_control.immutable = True
    return response


def register(app: Flask) -> None:
    """Install the context processor, the filters and the static files' cache header."""

    @app.context_processor
    def portal_context():
        unread = 0
        if current_user.is_authenticated:
            from portal.notifications.queries import UNREAD_COUNT, unread_count

            # Read with the user on a page that only reads, asked afresh otherwise.
            unread = read_once(UNREAD_COUNT, lambda: unread_count(db.session, current_user))
        # Flask-WTF offers its own `csrf_token` the same way: this one comes later and wins.
        return {"dealership": dealership(), "unread_count": unread, "csrf_token": kept_csrf_token}

    app.add_template_filter(local_datetime)
    app.add_template_filter(long_date)
    app.add_template_filter(when_filter, "when")
    app.add_template_filter(when_text)
    app.add_template_filter(thousands)
    app.add_template_filter(phone)
    app.add_template_global(plural)
    app.add_template_global(yearly_day)
    app.add_template_global(count_of)
    app.add_template_global(page_layout)
    app.add_template_global(kept_csrf_token, "csrf_token")
    app.add_template_global(static_url)
    app.extensions[_LAYOUTS] = {}
    app.after_request(cache_versioned_static)
    # `Vary: HX-Request` (a page and its fragment share a URL) is added to every GET and
    # HEAD response with the security headers (`security.ResponseHeaders`).
