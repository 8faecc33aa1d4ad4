"""What every template can use: the dealership, the unread count, local dates, numbers."""

import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app, g, request
from flask_login import current_user
from markupsafe import Markup, escape

from portal.extensions import db


def dealership() -> dict:
    """The dealership's name, time zone and contact details, read once per request."""
    if "dealership" not in g:
        from portal.dealership.queries import dealership_profile

        g.dealership = dealership_profile(db.session)
    return g.dealership


#: How a moment reads unless a page asks otherwise: 'Thu 10 Dec 2026, 11:00 AM'.
MOMENT_FORMAT = "%a %-d %b %Y, %-I:%M %p"
#: How a day reads unless a page asks otherwise: 'Thu 10 Dec 2026'.
DAY_FORMAT = "%a %-d %b %Y"
#: strftime directives that show a time of day, which then needs its zone to mean anything.
_TIME_OF_DAY = re.compile(r"%-?[HIMpXcSRTr]")


def _zone() -> ZoneInfo:
    """The dealership's time zone, looked up once per request (a page may show a hundred dates)."""
    if "dealership_zone" not in g:
        g.dealership_zone = ZoneInfo(dealership()["timezone"])
    return g.dealership_zone


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
        words, stamp = value.strftime(fmt or DAY_FORMAT), value.isoformat()
    else:
        fmt = fmt or MOMENT_FORMAT
        local = value.astimezone(_zone())
        if shows_time_of_day(fmt):
            words, stamp = f"{local:{fmt}} {local:%Z}", local.isoformat(timespec="seconds")
        else:
            words, stamp = local.strftime(fmt), local.date().isoformat()
    # The same words as `when_text`, worked out here once; the stamp is ISO 8601 (no markup).
    return Markup(f'<time datetime="{stamp}">{escape(words)}</time>')  # noqa: S704 - escaped


def yearly_day(month: int, day: int) -> Markup:
    """A day that comes back every year ('15 Oct'), as a yearless `<time datetime="10-15">`."""
    words = f"{day} {date(2000, month, day):%b}"
    return Markup('<time datetime="{:02d}-{:02d}">{}</time>').format(month, day, words)


def long_date(value: date | None) -> str:
    """A date as people write it: 'Tue 3 Mar 2026' (plain text; pages use `when`)."""
    return value.strftime(DAY_FORMAT) if value else ""


def thousands(value: int | None) -> str:
    """12345 as '12,345'."""
    return f"{value:,}" if value is not None else ""


def phone(value: str | None) -> str:
    """An E.164 number as people write it: national form at home, international abroad."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    home = current_app.config["PORTAL_PHONE_REGION"]
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


def register(app: Flask) -> None:
    """Install the context processor, filters and the htmx cache header."""

    @app.context_processor
    def portal_context():
        unread = 0
        if current_user.is_authenticated:
            from portal.notifications.queries import unread_count

            unread = unread_count(db.session, current_user)
        return {"dealership": dealership(), "unread_count": unread}

    app.add_template_filter(local_datetime)
    app.add_template_filter(long_date)
    app.add_template_filter(when)
    app.add_template_filter(when_text)
    app.add_template_filter(thousands)
    app.add_template_filter(phone)
    app.add_template_global(plural)
    app.add_template_global(yearly_day)
    app.add_template_global(count_of)

    @app.after_request
    def vary_on_htmx(response):
        # A page and its fragment share a URL: caches must key on the HX-Request header.
        if request.method == "GET":
            response.vary.add("HX-Request")
        return response
