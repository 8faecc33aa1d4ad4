"""Load one owner's cars and what the rules need about them, in one statement.

The owner's pages (home, my reminders, booking, the calendar feed) ask for one owner's
handful of cars on every view. Where the whole fleet's loader lets the database aggregate
(earliest and latest reading, last service, closed recalls) over 100,000 cars, one owner's
history is a few rows a car: it comes back as rows and is summed up here, the same way,
so the rules see exactly the facts the fleet's loader gives them
(tests/reminders/test_owner_fleet.py compares the two).

Every read (cars, readings, services, cover, advice, campaigns, snoozes and, for the
reminders page, open visit requests) is one branch of a single UNION ALL: on PostgreSQL each
statement is a round trip. A branch's first column says what the row is; the others are
slots of a few types (`_SLOTS`), each branch filling the ones it needs and leaving the rest
NULL.
"""

from datetime import UTC, date
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.db import page_rows
from portal.garage.models import (
    OdometerReading,
    ProtectionProduct,
    ServiceRecord,
    Vehicle,
    car_label,
)
from portal.reminders.facts import (
    Advice,
    OwnerFacts,
    Product,
    RecallRule,
    SeasonalRule,
    VehicleFacts,
)
from portal.reminders.models import (
    AdvisedWork,
    RecallCampaign,
    ReminderState,
    SeasonalCampaign,
    ServiceVisitRequest,
    VisitStatus,
)
from portal.reminders.queries.fleet import (
    Fleet,
    OwnerInfo,
    active_car_criteria,
    cutoff_values,
    first_name,
    local_date,
    reminder_settings,
)

#: What a row is: its statement's first column; rows come back in this order, then by `a`.
_CAR, _READING, _SERVICE, _PRODUCT, _ADVICE, _SEASONAL, _RECALL, _STATE, _VISIT = range(9)

#: The slots after the kind, by type: five numbers, five texts, two dates and a moment.
_SLOTS = (
    ("a", Integer),
    ("b", Integer),
    ("c", Integer),
    ("d", Integer),
    ("e", Integer),
    ("s1", String),
    ("s2", String),
    ("s3", String),
    ("s4", String),
    ("s5", String),
    ("d1", Date),
    ("d2", Date),
    # Plain: the few rows that have one are made aware here, not every row by the type.
    ("at", DateTime),
)


def _branch(kind: int, **slots) -> Select:
    """One branch of the owner's statement: `kind`, then `slots` by name, NULL elsewhere."""
    columns = [literal_column(str(kind), Integer).label("kind")]
    for name, type_ in _SLOTS:
        column = slots.pop(name, None)
        column = cast(null(), type_) if column is None else type_coerce(column, type_)
        columns.append(column.label(name))
    assert not slots, f"unknown slots {sorted(slots)}"
    return select(*columns)


@cache
def _owner_statement(with_visits: bool) -> Select:
    """Everything the rules need about `:owner_id`'s cars (`:cutoff` bound as for the fleet),
    and with `with_visits` their open visit requests, as one statement built once."""
    owner_id = bindparam("owner_id", type_=Integer)
    cars = select(Vehicle.id).where(Vehicle.owner_id == owner_id)
    car, reading, service, product = Vehicle, OdometerReading, ServiceRecord, ProtectionProduct
    advice, seasonal, recall = AdvisedWork, SeasonalCampaign, RecallCampaign
    branches = [
        _branch(
            _CAR,
            a=car.id,
            b=car.owner_id,
            c=car.year,
            d=car.purchase_odometer,
            e=car.warranty_miles,
            s1=car.vin,
            s2=car.nickname,
            s3=car.make,
            s4=car.model,
            d1=car.purchase_date,
            d2=car.warranty_end_date,
            at=car.retired_at,
        )
        .join(User, User.id == car.owner_id)
        .where(car.owner_id == owner_id, *active_car_criteria()),
        _branch(
            _READING, a=reading.vehicle_id, b=reading.id, c=reading.miles, d1=reading.read_on
        ).where(reading.vehicle_id.in_(cars)),
        _branch(
            _SERVICE,
            a=service.vehicle_id,
            b=service.id,
            c=service.miles,
            # Upper-cased by the database, as the fleet's loader does.
            s1=func.upper(service.recall_code),
            d1=service.performed_on,
        ).where(service.vehicle_id.in_(cars)),
        _branch(
            _PRODUCT,
            a=product.id,
            b=product.vehicle_id,
            c=product.ends_at_miles,
            s1=product.name,
            d1=product.ends_on,
        ).where(product.vehicle_id.in_(cars)),
        _branch(
            _ADVICE,
            a=advice.id,
            b=advice.vehicle_id,
            c=advice.due_miles,
            s1=advice.what,
            d1=advice.due_on,
            d2=advice.advised_on,
        ).where(advice.vehicle_id.in_(cars)),
        _branch(
            _SEASONAL,
            a=seasonal.id,
            b=seasonal.start_month,
            c=seasonal.start_day,
            d=seasonal.end_month,
            e=seasonal.end_day,
            s1=seasonal.name,
            s2=seasonal.advice,
            s3=seasonal.make,
        ).where(seasonal.active.is_(True)),
        _branch(
            _RECALL,
            a=recall.id,
            b=recall.year_from,
            c=recall.year_to,
            s1=recall.code,
            s2=recall.title,
            s3=recall.remedy,
            s4=recall.make,
            s5=recall.model,
            d1=recall.issued_on,
        ).where(recall.active.is_(True)),
        _branch(
            _STATE,
            s1=ReminderState.key,
            d1=ReminderState.snoozed_until,
            d2=ReminderState.done_on,
        ).where(ReminderState.user_id == owner_id),
    ]
    if with_visits:
        visit = ServiceVisitRequest
        branches.append(
            _branch(
                _VISIT,
                a=visit.id,
                s1=visit.reminder_key,
                s2=visit.time_window,
                d1=visit.preferred_day,
                at=visit.created_at,
            ).where(visit.user_id == owner_id, visit.status == VisitStatus.OPEN)
        )
    everything = union_all(*branches)
    return everything.order_by(everything.selected_columns.kind, everything.selected_columns.a)


def load_owner_fleet(session: Session, today: date, zone: ZoneInfo, owner: User) -> Fleet:
    """One owner's cars, history, cover, campaigns and snoozes, as the fleet's loader gives
    them for that owner; the owner's own details come from `owner`, not another read."""
    return load_owner_page(session, today, zone, owner)[0]


def load_owner_page(
    session: Session, today: date, zone: ZoneInfo, owner: User, with_visits: bool = False
) -> tuple[Fleet, list[tuple[str | None, date, str]]]:
    """`load_owner_fleet`, and with `with_visits` the owner's open visit requests as
    (reminder key, preferred day, time window), oldest first; one statement."""
    values = {**cutoff_values(today), "owner_id": owner.id}
    rows = page_rows(session, _owner_statement(with_visits), values)
    cars: dict[int, VehicleFacts] = {}
    history = []
    seasonal: list[SeasonalRule] = []
    recalls: list[RecallRule] = []
    states = {}
    visits = []
    for kind, a, b, c, d, e, s1, s2, s3, s4, s5, d1, d2, at in rows:
        if kind in (_READING, _SERVICE):
            history.append((kind, a, d1, c, b, s1))
        elif kind == _CAR:
            retired_on = local_date(at.replace(tzinfo=UTC), zone) if at else None
            if retired_on is None or retired_on > today:
                label = car_label(s2, c, s3, s4)
                cars[a] = VehicleFacts(a, b, s1, label, s3, s4, c, d1, d, d2, e, retired_on)
        elif kind == _PRODUCT:
            if b in cars:
                cars[b].products.append(Product(a, s1, d1, c))
        elif kind == _ADVICE:
            if b in cars:
                cars[b].advice.append(Advice(a, s1, d1, c, d2))
        elif kind == _SEASONAL:
            seasonal.append(SeasonalRule(a, s1, s2, (b, c), (d, e), s3))
        elif kind == _RECALL:
            recalls.append(RecallRule(a, s1, s2, s3, s4, s5, b, c, d1))
        elif kind == _STATE:
            states[s1] = (d1, d2)
        else:
            visits.append((at, s1, d1, s2))
    _add_history(cars, history)

    owners, birthdays = {}, []
    if owner.deactivated_at is None:
        called = first_name(owner.display_name, owner.name)
        owners[owner.id] = OwnerInfo(owner.id, owner.email, called)
        if owner.birthday is not None and owner.birthday_messages:
            birthdays.append(OwnerFacts(owner.id, called, owner.birthday, True))
    fleet = Fleet(
        today=today,
        settings=reminder_settings(session),
        cars=list(cars.values()),
        owners=owners,
        birthdays=birthdays,
        seasonal=seasonal,
        recalls=recalls,
        states=states,
    )
    # By when they were asked (rows come by id, so equal times keep that order).
    visits.sort(key=lambda visit: visit[0])
    return fleet, [(key, day, window) for _, key, day, window in visits]


def _add_history(cars: dict[int, VehicleFacts], rows) -> None:
    """Each car's earliest and latest (date, miles) among its readings and services with
    miles (each the smallest and largest on its own, as the fleet's aggregate takes them), its
    latest service (by date, then the latest entered) and the recalls its services closed."""
    days: dict[int, list[date]] = {}
    miles: dict[int, list[int]] = {}
    last_service: dict[int, tuple] = {}
    closed: dict[int, set[str]] = {}
    for source, vehicle_id, day, row_miles, row_id, recall_code in rows:
        if row_miles is not None:
            days.setdefault(vehicle_id, []).append(day)
            miles.setdefault(vehicle_id, []).append(row_miles)
        if source != _SERVICE:
            continue
        latest = last_service.get(vehicle_id)
        if latest is None or (day, row_id) > latest[:2]:
            last_service[vehicle_id] = (day, row_id, row_miles)
        if recall_code is not None:
            closed.setdefault(vehicle_id, set()).add(recall_code)
    for vehicle_id, car in cars.items():
        if vehicle_id in days:
            car_days, car_miles = days[vehicle_id], miles[vehicle_id]
            car.first_reading = (min(car_days), min(car_miles))
            car.last_reading = (max(car_days), max(car_miles))
        if vehicle_id in last_service:
            day, _, service_miles = last_service[vehicle_id]
            car.last_service = (day, service_miles)
        if vehicle_id in closed:
            car.closed_recalls = frozenset(closed[vehicle_id])
