"""Reads for the reminder pages: the owner's page, `flask reminders due`, the staff lists."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal.accounts.models import User
from portal.dealership.queries import dealership_zone
from portal.garage.models import Vehicle
from portal.notifications.models import DeliveryStatus, Notification
from portal.notifications.queries import delivery_log_query
from portal.paging import in_direction
from portal.reminders.campaigns import recall_state, seasonal_state
from portal.reminders.facts import VehicleFacts
from portal.reminders.models import (
    TIME_WINDOW_LABELS,
    RecallCampaign,
    SeasonalCampaign,
    ServiceVisitRequest,
    VisitStatus,
)
from portal.reminders.queries.fleet import Fleet, collector_paused, load_fleet
from portal.reminders.queries.owner import load_owner_fleet, load_owner_page
from portal.reminders.rules import (
    Reminder,
    Status,
    driving_rate,
    estimated_miles,
    latest_known_miles,
    measured_rate,
)

#: Columns the visit requests sort by: when asked (oldest first), preferred day, owner, status.
VISIT_SORTS = {
    "date": ServiceVisitRequest.created_at,
    "day": ServiceVisitRequest.preferred_day,
    "owner": func.lower(User.name),
    "status": ServiceVisitRequest.status,
}
#: Columns the notification log sorts by (newest first by default).
NOTIFICATION_SORTS = {
    "date": Notification.created_at,
    "status": Notification.status,
    "kind": Notification.kind,
}

# --- The owner's page -------------------------------------------------------------------


@dataclass
class CarReminders:
    """One car and its reminders, most pressing first, for the owner's page."""

    car: VehicleFacts | None
    reminders: list[Reminder]
    estimated_miles: int | None = None
    #: The reading the estimate starts from: (date, miles), purchase included.
    known_miles: tuple[date, int] | None = None
    #: Whether the miles a day come from the car's readings (else the dealership's default).
    measured_rate: bool = False

    @property
    def miles_are_estimated(self) -> bool:
        """Whether today's miles are a projection rather than a reading taken today."""
        return self.known_miles is not None and self.known_miles[1] != self.estimated_miles

    @property
    def urgency(self) -> tuple:
        """The most pressing of its reminders, for ordering the cars."""
        return min((r.urgency for r in self.reminders), default=(9, date.max))


@dataclass(frozen=True)
class OpenVisit:
    """A visit the owner asked for about a reminder, still open: the day and time they chose."""

    preferred_day: date
    time_window: str

    @property
    def time_window_label(self) -> str:
        return TIME_WINDOW_LABELS.get(self.time_window, self.time_window)


@dataclass
class OwnerReminders:
    """The owner's page: their cars with reminders, snoozes and open visit requests."""

    today: date
    groups: list[CarReminders]
    fleet: Fleet
    #: Open visit requests by reminder key (read only for the pages that show them).
    visits: dict[str, OpenVisit] = field(default_factory=dict)

    def all(self) -> list[Reminder]:
        """Every reminder on the page."""
        return [r for group in self.groups for r in group.reminders]

    def pressing(self, limit: int) -> list[tuple[Reminder, CarReminders]]:
        """The most urgent overdue or due-soon reminders that are not snoozed."""
        found = [
            (r, group)
            for group in self.groups
            for r in group.reminders
            if r.status != Status.UPCOMING and not self.fleet.snoozed_until(r.key)
        ]
        return sorted(found, key=lambda pair: pair[0].urgency)[:limit]

    def car(self, vehicle_id: int) -> CarReminders | None:
        """One of the owner's cars on the page, or None."""
        return next((g for g in self.groups if g.car and g.car.id == vehicle_id), None)

    def find(self, key: str) -> tuple[Reminder, CarReminders] | None:
        """The reminder under this key and its car, if it is on the page."""
        for group in self.groups:
            for reminder in group.reminders:
                if reminder.key == key:
                    return reminder, group
        return None


def owner_reminders(
    session: Session,
    user: User,
    today: date,
    with_visits: bool = False,
    zone: ZoneInfo | None = None,
) -> OwnerReminders:
    """The owner's reminders grouped by car, by urgency (snoozed ones after the rest), and
    with `with_visits` their open visit requests (only the reminders page shows them); `zone`
    is the dealership's, when the caller has it already."""
    zone = zone or dealership_zone(session)
    fleet, visits = load_owner_page(session, today, zone, user, with_visits)
    by_car: dict[int | None, list[Reminder]] = defaultdict(list)
    for reminder in fleet.reminders():
        by_car[reminder.vehicle_id].append(reminder)

    def order(reminder: Reminder):
        return (fleet.snoozed_until(reminder.key) is not None, reminder.urgency)

    groups = []
    for car in fleet.cars:
        rate = driving_rate(car, fleet.settings.default_miles_per_day)
        reminders = sorted(by_car.get(car.id, []), key=order)
        known = latest_known_miles(car)
        groups.append(
            CarReminders(
                car,
                reminders,
                estimated_miles(known, today, rate),
                known,
                measured_rate(car) is not None,
            )
        )
    groups.sort(key=lambda group: group.urgency)
    if by_car.get(None):
        groups.append(CarReminders(None, sorted(by_car[None], key=order)))
    page = OwnerReminders(today, groups, fleet)
    page.visits = {key: OpenVisit(day, window) for key, day, window in visits if key}
    return page


def home_reminders(
    session: Session, user: User, today: date, zone: ZoneInfo
) -> list[tuple[Reminder, VehicleFacts | None]]:
    """Every pressing reminder of the owner with its car (None for the owner's own), in the
    order `owner_reminders(...).pressing` gives them, for the home page.

    Only the list the home page shows is built: no estimated mileage or groups per car. The
    order is the same: by urgency, then by the car's place on the reminders page (its most
    urgent reminder, snoozed or not, then the fleet's order; the owner's own last), then the
    rules' order (tests/reminders/test_home_reminders.py compares the two).
    """
    fleet = load_owner_fleet(session, today, zone, user)
    reminders = fleet.reminders()
    car_urgency: dict[int, tuple] = {}
    for reminder in reminders:
        if reminder.vehicle_id is not None:
            known = car_urgency.get(reminder.vehicle_id)
            if known is None or reminder.urgency < known:
                car_urgency[reminder.vehicle_id] = reminder.urgency
    cars = sorted(fleet.cars, key=lambda car: car_urgency.get(car.id, (9, date.max)))
    place = {car.id: rank for rank, car in enumerate(cars)}
    by_id = {car.id: car for car in cars}
    pressing = [
        reminder
        for reminder in reminders
        if reminder.status != Status.UPCOMING
        and not fleet.snoozed_until(reminder.key)
        and (reminder.vehicle_id is None or reminder.vehicle_id in place)
    ]
    last = len(place)  # the owner's own come after every car

    def order(reminder: Reminder) -> tuple:
        return reminder.urgency, place.get(reminder.vehicle_id, last)

    pressing.sort(key=order)
    return [(reminder, by_id.get(reminder.vehicle_id)) for reminder in pressing]


# --- `flask reminders due` ---------------------------------------------------------------


def due_listing(session: Session, today: date, include_upcoming: bool = False) -> list[dict]:
    """Every overdue and due-soon reminder (and upcoming ones if asked) as plain records."""
    with collector_paused():
        return _listing(load_fleet(session, today, dealership_zone(session)), include_upcoming)


def _listing(fleet: Fleet, include_upcoming: bool) -> list[dict]:
    """The fleet's reminders as the records `flask reminders due` prints, by date then key."""
    vins = {car.id: car.vin for car in fleet.cars}
    listing = []
    for reminder in fleet.reminders():
        if reminder.status == Status.UPCOMING and not include_upcoming:
            continue
        owner = fleet.owners.get(reminder.owner_id)
        if owner is None:
            continue
        listing.append(
            {
                "owner_email": owner.email,
                "vin": vins[reminder.vehicle_id] if reminder.vehicle_id else None,
                "kind": str(reminder.kind),
                "due_on": reminder.due_on.isoformat(),
                "status": str(reminder.status),
                "key": reminder.key,
                # A car with no service on file: its owner is asked for the last service
                # (on their page, and once by message) rather than sent a service reminder.
                "asks_last_service": reminder.asks_last_service,
            }
        )
    listing.sort(key=lambda item: (item["due_on"], item["key"]))
    return listing


# --- Staff pages ------------------------------------------------------------------------


def recall_preview_count(session: Session, campaign: RecallCampaign) -> int:
    """How many active cars a recall (saved or being edited) covers, any case."""
    return session.scalar(
        select(func.count())
        .select_from(Vehicle)
        .where(
            Vehicle.retired_at.is_(None),
            func.lower(Vehicle.make) == campaign.make.strip().lower(),
            func.lower(Vehicle.model) == campaign.model.strip().lower(),
            Vehicle.year.between(campaign.year_from, campaign.year_to),
        )
    )


def seasonal_preview_count(session: Session, make: str | None) -> int:
    """How many active cars a seasonal campaign covers."""
    query = select(func.count()).select_from(Vehicle).where(Vehicle.retired_at.is_(None))
    if make:
        query = query.where(func.lower(Vehicle.make) == make.strip().lower())
    return session.scalar(query)


def covered_cars(session: Session, campaign: SeasonalCampaign | RecallCampaign) -> int:
    """How many active cars a campaign (saved or being edited) covers."""
    with session.no_autoflush:
        if isinstance(campaign, RecallCampaign):
            return recall_preview_count(session, campaign)
        return seasonal_preview_count(session, campaign.make)


def campaign_overview(session: Session, today: date) -> tuple[list, list]:
    """Seasonal and recall campaigns: each with the cars it covers and whether it runs today."""
    seasonal = session.scalars(select(SeasonalCampaign).order_by(SeasonalCampaign.id))
    recalls = session.scalars(select(RecallCampaign).order_by(RecallCampaign.id))
    return (
        [
            (
                campaign,
                covered_cars(session, campaign),
                seasonal_state(
                    (campaign.start_month, campaign.start_day),
                    (campaign.end_month, campaign.end_day),
                    campaign.active,
                    today,
                ),
            )
            for campaign in seasonal
        ],
        [
            (
                campaign,
                covered_cars(session, campaign),
                recall_state(campaign.issued_on, campaign.active, today),
            )
            for campaign in recalls
        ],
    )


def recall_code_taken(session: Session, campaign: RecallCampaign) -> bool:
    """Whether another recall already has this one's code."""
    with session.no_autoflush:
        return (
            session.scalar(
                select(RecallCampaign.id).where(
                    RecallCampaign.code == campaign.code, RecallCampaign.id != (campaign.id or 0)
                )
            )
            is not None
        )


def notification_log(status: str | None, sort: str, descending: bool) -> Select:
    """Every message sent or queued (or those in one status), in the chosen order."""
    column = NOTIFICATION_SORTS[sort]
    return (
        delivery_log_query(status=status)
        .options(joinedload(Notification.user))
        .order_by(None)
        .order_by(*in_direction(descending, column, Notification.id))
    )


def was_sent(session: Session, notification_id: int) -> bool:
    """Whether a message has gone out on its channel."""
    status = session.scalar(select(Notification.status).where(Notification.id == notification_id))
    return status == DeliveryStatus.SENT


def visit_request_list(open_only: bool, sort: str, descending: bool) -> Select:
    """Owners' visit requests with who asked and about which car (open ones, or all)."""
    column = VISIT_SORTS[sort]
    query = (
        select(ServiceVisitRequest)
        .join(ServiceVisitRequest.user)
        .options(
            contains_eager(ServiceVisitRequest.user),
            joinedload(ServiceVisitRequest.vehicle),
            joinedload(ServiceVisitRequest.handled_by),
        )
        .order_by(*in_direction(descending, column, ServiceVisitRequest.id))
    )
    if open_only:
        query = query.where(ServiceVisitRequest.status == VisitStatus.OPEN)
    return query


def open_visit_count(session: Session) -> int:
    """How many visit requests wait for the team."""
    return session.scalar(
        select(func.count())
        .select_from(ServiceVisitRequest)
        .where(ServiceVisitRequest.status == VisitStatus.OPEN)
    )
