"""Facts the reminder rules read: a car, its cover, an owner, and the admins' campaigns.

Plain data, filled in bulk by `portal.reminders.queries.fleet` (or by hand in tests).
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Product:
    """A protection product's end, by date and/or mileage."""

    id: int
    name: str
    ends_on: date | None
    ends_at_miles: int | None


@dataclass(frozen=True)
class Advice:
    """Work advised at a visit for later, due by a date and/or a mileage."""

    id: int
    what: str
    due_on: date | None
    due_miles: int | None
    advised_on: date


@dataclass(slots=True)
class VehicleFacts:
    """What the rules need to know about one car."""

    id: int
    owner_id: int
    vin: str
    label: str
    make: str
    model: str
    year: int
    purchase_date: date | None = None
    purchase_odometer: int | None = None
    warranty_end_date: date | None = None
    warranty_miles: int | None = None
    #: The local date the car left the garage (sold or transferred), if it did.
    retired_on: date | None = None
    #: Earliest and latest known (date, miles) among odometer readings and service records.
    first_reading: tuple[date, int] | None = None
    last_reading: tuple[date, int] | None = None
    #: The latest service visit: (date, miles or None).
    last_service: tuple[date, int | None] | None = None
    #: Upper-cased recall codes that a service record has closed.
    closed_recalls: frozenset[str] = frozenset()
    products: list[Product] = field(default_factory=list)
    #: Work advised at visits, still to do.
    advice: list[Advice] = field(default_factory=list)


@dataclass(frozen=True)
class OwnerFacts:
    """What the birthday rule needs about one owner."""

    id: int
    first_name: str
    birthday: date | None
    birthday_messages: bool


@dataclass(frozen=True)
class SeasonalRule:
    """An admin's seasonal campaign: a yearly window (month, day) to (month, day)."""

    id: int
    name: str
    advice: str
    start: tuple[int, int]
    end: tuple[int, int]
    make: str | None = None


@dataclass(frozen=True)
class RecallRule:
    """An admin's recall campaign and which cars it covers."""

    id: int
    code: str
    title: str
    remedy: str
    make: str
    model: str
    year_from: int
    year_to: int
    issued_on: date
