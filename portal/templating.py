"""What every template can use: the dealership, the unread count, local dates, numbers."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app, g, request
from flask_login import current_user

from portal.extensions import db


def dealership() -> dict:
    """The dealership's name, time zone and contact details, read once per request."""
    if "dealership" not in g:
        from portal.dealership.queries import dealership_profile

        g.dealership = dealership_profile(db.session)
    return g.dealership


def local_datetime(value: datetime | None, fmt: str = "%a %-d %b %Y, %-I:%M %p") -> str:
    """An aware datetime shown in the dealership's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(dealership()["timezone"])).strftime(fmt)


def long_date(value: date | None) -> str:
    """A date as people write it: 'Tue 3 Mar 2026'."""
    return value.strftime("%a %-d %b %Y") if value else ""


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
    app.add_template_filter(thousands)
    app.add_template_filter(phone)
    app.add_template_global(plural)
    app.add_template_global(count_of)

    @app.after_request
    def vary_on_htmx(response):
        # A page and its fragment share a URL: caches must key on the HX-Request header.
        if request.method == "GET":
            response.vary.add("HX-Request")
        return response
