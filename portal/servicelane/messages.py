"""What the owner hears about a booking (booked, moved, cancelled, the day before), and the
booking as a calendar entry: attached to those emails and in the owner's calendar feed."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from portal import clock
from portal.dealership.queries import dealership_profile, dealership_zone, read_settings
from portal.events.calendars import TimedEntry, calendar_bytes, uid_domain
from portal.events.feed_sources import FeedSource, stamp_columns
from portal.extensions import db
from portal.garage.models import Vehicle
from portal.mail import Attachment
from portal.notifications.models import Notification
from portal.notifications.services import Message, notify, notify_many
from portal.servicelane.models import BookingStatus, ServiceBooking, ServiceSlot
from portal.servicelane.queries import booking_by_id, bookings_for_reminder, calendar_bookings
from portal.servicelane.rules import DEFAULTS, LaneSettings, change_deadline, slot_start

BOOKED = "service_booking"
CANCELLED = "service_booking_cancelled"
REMINDER = "service_booking_reminder"
#: Every message about a booking carries its calendar file (a cancellation too: a calendar
#: that imported the entry marks it cancelled from the same UID).
KINDS_WITH_CALENDAR_FILE = (BOOKED, CANCELLED, REMINDER)
#: A booking made less than this before its reminder would be due needs no reminder.
FRESH_BOOKING = timedelta(hours=12)
#: The calendar feed keeps bookings this many days after their day.
FEED_HISTORY_DAYS = 30


def booking_path(booking_id: int) -> str:
    """The owner's page for a booking (a path, as every message's action is)."""
    return f"/service/bookings/{booking_id}"


def spoken(moment: datetime, zone: ZoneInfo) -> str:
    """'Thu 10 Dec 2026, 8:00 AM EST': a moment in plain text, naming the zone."""
    local = moment.astimezone(zone)
    return f"{local:%a %-d %b %Y, %-I:%M %p} {local:%Z}"


def _when(booking: ServiceBooking, zone: ZoneInfo) -> str:
    """'Thu 10 Dec 2026, 8:00 AM to 10:00 AM EST'."""
    slot = booking.slot
    starts = slot_start(slot.day, slot.starts_at, zone)
    ends = slot_start(slot.day, slot.ends_at, zone)
    return f"{starts:%a %-d %b %Y, %-I:%M %p} to {ends:%-I:%M %p} {ends:%Z}"


def _car(booking: ServiceBooking) -> str:
    return f"your {booking.vehicle.label}"


def booked(session: Session, booking: ServiceBooking, now: datetime, moved: bool = False) -> None:
    """Confirm a new or moved booking, with its calendar file."""
    zone = dealership_zone(session)
    settings = LaneSettings.from_stored(read_settings(session, DEFAULTS))
    slot = session.get(ServiceSlot, booking.slot_id)
    deadline = change_deadline(slot.day, slot.starts_at, settings, zone)
    name = dealership_profile(session)["name"]
    what = "has moved to" if moved else "is booked in for"
    body = (
        f"Hello {booking.user.first_name},\n\n"
        f"{_car(booking).capitalize()} {what} {_when(booking, zone)} at {name}: "
        f"{booking.work_label}. {booking.handover_label}.\n\n"
        f"If your plans change, you can move or cancel it from your booking page until "
        f"{spoken(deadline, zone)}; after that, please call us. The calendar file attached "
        "puts it in your calendar."
    )
    notify(
        session,
        user=booking.user,
        key=f"servicelane:{booking.id}:booked:{booking.sequence}",
        kind=BOOKED,
        subject=f"{'Moved' if moved else 'Booked'}: {booking.vehicle.label}, "
        f"{_when(booking, zone)}",
        body=body,
        now=now,
        action_path=booking_path(booking.id),
        action_label="See your booking",
    )


def cancelled(session: Session, booking: ServiceBooking, now: datetime, by_staff: bool) -> None:
    """Tell the owner their booking is cancelled (by them, or by the service team)."""
    zone = dealership_zone(session)
    who = "The service team has cancelled" if by_staff else "You cancelled"
    body = (
        f"Hello {booking.user.first_name},\n\n"
        f"{who} the visit for {_car(booking)} on {_when(booking, zone)}. "
        "Whenever suits you, you can book another time from the service page."
    )
    notify(
        session,
        user=booking.user,
        key=f"servicelane:{booking.id}:cancelled",
        kind=CANCELLED,
        subject=f"Cancelled: {booking.vehicle.label}'s visit",
        body=body,
        now=now,
        action_path="/service",
        action_label="Book another time",
    )


def queue_booking_reminders(session: Session, today: date, now: datetime) -> list[int]:
    """Claim the day-before reminder of every booking for tomorrow (once per booking and day)."""
    zone = dealership_zone(session)
    messages = [
        Message(
            user=booking.user,
            key=f"servicelane:{booking.id}:reminder:{booking.slot.day.isoformat()}",
            kind=REMINDER,
            subject=f"Tomorrow: {booking.vehicle.label} at the service lane",
            body=(
                f"Hello {booking.user.first_name},\n\n"
                f"A quick reminder: {_car(booking)} is booked in tomorrow, {_when(booking, zone)}"
                f", for {booking.work_label}. {booking.handover_label}.\n\n"
                "If something has come up, please call us so we can offer the time to "
                "someone else. We look forward to seeing you."
            ),
            action_path=booking_path(booking.id),
            action_label="See your booking",
        )
        for booking in bookings_for_reminder(session, today + timedelta(days=1))
        if booking.updated_at < now - FRESH_BOOKING
    ]
    return notify_many(session, messages, now)


# --- The booking in a calendar ----------------------------------------------------------


def calendar_entry(
    booking: ServiceBooking, zone: ZoneInfo, base_url: str, place: str
) -> TimedEntry:
    """The booking as a calendar entry; its UID stays the same when it moves."""
    slot = booking.slot
    return TimedEntry(
        uid=f"service-booking-{booking.id}@{uid_domain(base_url)}",
        sequence=booking.sequence,
        starts_at=slot_start(slot.day, slot.starts_at, zone),
        ends_at=slot_start(slot.day, slot.ends_at, zone),
        summary=f"Service visit: {booking.vehicle.label}",
        description=f"{booking.work_label}. {booking.handover_label}.",
        location=place,
        url=base_url.rstrip("/") + booking_path(booking.id),
        cancelled=booking.status == BookingStatus.CANCELLED,
        changed_at=booking.updated_at,
    )


def booking_ics(session: Session, booking: ServiceBooking, now: datetime) -> bytes:
    """A calendar file holding the one booking."""
    profile = dealership_profile(session)
    base_url = current_app.config["PORTAL_BASE_URL"]
    entry = calendar_entry(booking, dealership_zone(session), base_url, _place(profile))
    return calendar_bytes(
        [], now, f"{profile['name']} service", uid_domain(base_url), entries=[entry]
    )


def _place(profile: dict) -> str:
    return ", ".join(part for part in (profile["name"], profile["address"]) if part)


def ics_file_name(booking: ServiceBooking) -> str:
    """`service-2026-12-10.ics`."""
    return re.sub(r"[^a-z0-9-]", "", f"service-{booking.slot.day.isoformat()}") + ".ics"


def booking_calendar_file(notification: Notification, shared: dict) -> list[Attachment]:
    """The booking a message is about as an `.ics` file, read as it is at send time."""
    match = re.match(r"servicelane:(\d+):", notification.key)
    if match is None:
        return []
    with Session(db.engine) as reader:
        booking = booking_by_id(reader, int(match.group(1)))
        if booking is None or booking.user_id != notification.user_id:
            return []
        body = booking_ics(reader, booking, clock.now())
        name = ics_file_name(booking)
    calendar_type = {"method": "PUBLISH", "charset": "utf-8"}
    return [Attachment(name, body, "text", "calendar", calendar_type)]


#: What `install_attachments` is given: the builder for each kind of booking message.
ATTACHMENTS = dict.fromkeys(KINDS_WITH_CALENDAR_FILE, booking_calendar_file)


def feed_entries(session: Session, user_id: int, now: datetime) -> list[TimedEntry]:
    """The owner's bookings for their calendar feed (from 30 days back, cancelled ones too)."""
    zone = dealership_zone(session)
    since = now.astimezone(zone).date() - timedelta(days=FEED_HISTORY_DAYS)
    place = _place(dealership_profile(session))
    base_url = current_app.config["PORTAL_BASE_URL"]
    bookings = calendar_bookings(session, user_id, since)
    return [calendar_entry(b, zone, base_url, place) for b in bookings]


def feed_versions(owner: ColumnElement[int]) -> Select:
    """Each of the owner's bookings with what its feed entry shows: its own state (times of
    change, status, sequence), its slot's times and the car's name (through its change time).
    The dealership's name, address and time zone are settings, which the stamp holds."""
    return (
        select(
            *stamp_columns(
                "service booking",
                ServiceBooking.id,
                ServiceBooking.updated_at,
                ServiceBooking.status,
                ServiceBooking.sequence,
                ServiceSlot.day,
                ServiceSlot.starts_at,
                ServiceSlot.ends_at,
                Vehicle.updated_at,
            )
        )
        .select_from(ServiceBooking)
        .join(ServiceSlot, ServiceSlot.id == ServiceBooking.slot_id)
        .join(Vehicle, Vehicle.id == ServiceBooking.vehicle_id)
        .where(ServiceBooking.user_id == owner)
    )


#: What the app factory installs: the owner's bookings in their calendar feed.
FEED_SOURCE = FeedSource(entries=feed_entries, versions=feed_versions)
