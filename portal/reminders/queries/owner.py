"""Load one owner's cars and what the rules need about them, in five statements.

The owner's pages (home, my reminders, booking, the calendar feed) ask for one owner's
handful of cars on every view. Where the whole fleet's loader lets the database aggregate
(earliest and latest reading, last service, closed recalls) over 100,000 cars, one owner's
history is a few rows a car: it comes back as one list and is summed up here, the same way,
so the rules see exactly the facts the fleet's loader gives them
(tests/reminders/test_owner_fleet.py compares the two).
"""

from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.garage.models import OdometerReading, ProtectionProduct, ServiceRecord, Vehicle
from portal.reminders.facts import Advice, OwnerFacts, Product, VehicleFacts
from portal.reminders.models import AdvisedWork, ReminderState
from portal.reminders.queries.fleet import (
    Fleet,
    OwnerInfo,
    cars_statement,
    cutoff_values,
    first_name,
    read_campaigns,
    read_cars,
    reminder_settings,
)

#: The kinds of row in the history and cover statements.
_READING, _SERVICE = 0, 1
_PRODUCT, _ADVICE = 0, 1


@cache
def _owner_statements() -> tuple[Select, Select, Select, Select]:
    """(cars, history, cover, states) for `:owner_id`, built once per process."""
    owner_id = bindparam("owner_id", type_=Integer)
    cars = select(Vehicle.id).where(Vehicle.owner_id == owner_id)
    history = union_all(
        select(
            literal_column(str(_READING), Integer).label("source"),
            OdometerReading.vehicle_id,
            OdometerReading.read_on.label("day"),
            OdometerReading.miles,
            OdometerReading.id,
            cast(null(), String).label("recall_code"),
        ).where(OdometerReading.vehicle_id.in_(cars)),
        select(
            literal_column(str(_SERVICE), Integer),
            ServiceRecord.vehicle_id,
            ServiceRecord.performed_on,
            ServiceRecord.miles,
            ServiceRecord.id,
            # Upper-cased by the database, as the fleet's loader does.
            func.upper(ServiceRecord.recall_code),
        ).where(ServiceRecord.vehicle_id.in_(cars)),
    )
    cover = union_all(
        select(
            literal_column(str(_PRODUCT), Integer).label("source"),
            ProtectionProduct.id,
            ProtectionProduct.vehicle_id,
            ProtectionProduct.name.label("what"),
            ProtectionProduct.ends_on.label("due_on"),
            ProtectionProduct.ends_at_miles.label("due_miles"),
            cast(null(), Date).label("advised_on"),
        ).where(ProtectionProduct.vehicle_id.in_(cars)),
        select(
            literal_column(str(_ADVICE), Integer),
            AdvisedWork.id,
            AdvisedWork.vehicle_id,
            AdvisedWork.what,
            AdvisedWork.due_on,
            AdvisedWork.due_miles,
            AdvisedWork.advised_on,
        ).where(AdvisedWork.vehicle_id.in_(cars)),
    )
    cover = cover.order_by(cover.selected_columns.source, cover.selected_columns.id)
    states = select(ReminderState.key, ReminderState.snoozed_until, ReminderState.done_on).where(
        ReminderState.user_id == owner_id
    )
    return cars_statement().where(Vehicle.owner_id == owner_id), history, cover, states


def load_owner_fleet(session: Session, today: date, zone: ZoneInfo, owner: User) -> Fleet:
    """One owner's cars, history, cover, campaigns and snoozes, as the fleet's loader gives
    them for that owner; the owner's own details come from `owner`, not another read."""
    cars_query, history, cover, states = _owner_statements()
    values = {**cutoff_values(today), "owner_id": owner.id}
    connection = session.connection()
    cars = read_cars(connection.execute(cars_query, values), zone, today)
    _add_history(cars, connection.execute(history, values))
    for row in connection.execute(cover, values):
        car = cars.get(row.vehicle_id)
        if car is None:
            continue
        if row.source == _PRODUCT:
            car.products.append(Product(row.id, row.what, row.due_on, row.due_miles))
        else:
            car.advice.append(Advice(row.id, row.what, row.due_on, row.due_miles, row.advised_on))
    seasonal, recalls = read_campaigns(connection)

    owners, birthdays = {}, []
    if owner.deactivated_at is None:
        called = first_name(owner.display_name, owner.name)
        owners[owner.id] = OwnerInfo(owner.id, owner.email, called)
        if owner.birthday is not None and owner.birthday_messages:
            birthdays.append(OwnerFacts(owner.id, called, owner.birthday, True))
    return Fleet(
        today=today,
        settings=reminder_settings(session),
        cars=list(cars.values()),
        owners=owners,
        birthdays=birthdays,
        seasonal=seasonal,
        recalls=recalls,
        states={key: (until, done) for key, until, done in connection.execute(states, values)},
    )


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
