"""Demo events: upcoming and past events of every kind, with RSVPs from demo owners."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from portal import clock
from portal.accounts.demo import DemoData
from portal.dealership.queries import dealership_profile
from portal.events.models import Audience, Event, EventKind, EventStatus, Rsvp, RsvpStatus
from portal.events.tokens import TICKET, fresh_token
from portal.extensions import db

#: (kind, title, description, location, days from today, start hour, hours, capacity,
#:  guests allowed, audience, target make/model)
DEMO_EVENTS = [
    (EventKind.CLINIC, "Winter care clinic: tyres, batteries and wipers",
     "Our technicians walk you through getting your car ready for the cold months, with "
     "free tyre-tread and battery checks while you have a coffee.",
     "Service centre, bay 3", 9, 10, 2, 24, 1, Audience.PUBLIC, None),
    (EventKind.LAUNCH, "New model launch evening",
     "Be among the first to see the new range up close, meet the product team and take a "
     "short drive around the block.", "Main showroom", 16, 18, 3, 60, 1, Audience.OWNERS, None),
    (EventKind.MEET, "Sunday morning owners' meet",
     "Bring your car, meet other owners and swap road-trip stories. Pastries on us.",
     "Customer car park", 23, 9, 2, 40, 2, Audience.OWNERS, ("Mazda", "MX-5")),
    (EventKind.CHARITY, "Charity car wash for the children's hospital",
     "Our team washes your car by hand; every donation goes to the children's ward.",
     "Wash bay", 30, 11, 4, 80, 3, Audience.PUBLIC, None),
    (EventKind.VIP, "Track day with our ambassadors",
     "A private session at the circuit with professional instructors, for our ambassadors.",
     "Thruxton circuit", 37, 9, 6, 12, 0, Audience.AMBASSADORS, None),
    (EventKind.CLINIC, "EV charging and range clinic",
     "Home charging, public networks and getting the most range in winter, with Q&A.",
     "Training room", -20, 18, 2, 30, 1, Audience.OWNERS, None),
    (EventKind.LAUNCH, "Spring collection preview",
     "A first look at the spring line-up with the sales team.", "Main showroom",
     -45, 18, 2, 50, 1, Audience.PUBLIC, None),
    (EventKind.MEET, "Coast road drive-out", "A relaxed convoy along the coast road, ending "
     "with lunch at the harbour.", "Meet at the dealership", -70, 9, 5, 20, 1,
     Audience.OWNERS, None),
]  # fmt: skip


def _local(days: int, hour: int, tz: str) -> datetime:
    """Today + days at hour:00 in the dealership's zone, as aware UTC."""
    day = clock.local_today(tz) + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def seed_events(data: DemoData) -> None:
    """Eight events, upcoming and past, with confirmed, waitlisted and attended owners."""
    tz = dealership_profile(db.session)["timezone"]
    secret_key = current_app.config["SECRET_KEY"]
    now = clock.now()
    for spec in DEMO_EVENTS:
        kind, title, description, location, days, hour, hours, capacity, guests = spec[:9]
        audience, target = spec[9], spec[10]
        starts_at = _local(days, hour, tz)
        event = Event(
            title=title,
            kind=kind,
            description=description,
            location=location,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            seats_taken=0,
            guests_allowed=guests,
            audience=audience,
            rsvp_opens_at=None,
            early_access_days=0,
            ambassador_priority=kind == EventKind.VIP,
            target_make=target[0] if target else None,
            target_model=target[1] if target else None,
            status=EventStatus.PUBLISHED,
            published_at=now - timedelta(days=60),
            sequence=1,
        )
        db.session.add(event)
        db.session.flush()
        past = days < 0
        wanted = min(len(data.owners), capacity // 2 + (4 if capacity <= 24 else 0))
        chosen = data.rng.sample(data.owners, wanted)
        if kind in (EventKind.CLINIC, EventKind.LAUNCH) and data.owners[0] not in chosen:
            chosen.insert(0, data.owners[0])  # the printed demo login has events to show
        for owner in chosen:
            if audience == Audience.AMBASSADORS and owner.tier_level < 2:
                continue
            bring = data.rng.randint(0, guests) if guests else 0
            seats = 1 + bring
            answered = now - timedelta(days=data.rng.randint(1, 20))
            rsvp = Rsvp(event_id=event.id, user_id=owner.id, guests=bring)
            if event.seats_taken + seats <= capacity:
                event.seats_taken += seats
                rsvp.status = RsvpStatus.CONFIRMED
                rsvp.confirmed_at = answered
                rsvp.ticket_nonce, rsvp.ticket_hash = fresh_token(secret_key, TICKET)
                if past and data.rng.random() < 0.8:
                    rsvp.status = RsvpStatus.ATTENDED
                    rsvp.checked_in_at = starts_at + timedelta(minutes=data.rng.randint(0, 40))
                    rsvp.checked_in_by_id = data.staff[-1].id  # the coordinator on the door
                    rsvp.arrived_guests = bring
                    rsvp.check_ins = 1
            elif not past:
                rsvp.status = RsvpStatus.WAITLISTED
                rsvp.waitlisted_at = answered
            else:
                continue
            db.session.add(rsvp)
        db.session.flush()
