"""Seasonal and recall campaigns as pure rules, and so every reminder for one car on a day.

A campaign is an admin's rule over many cars; `vehicle_reminders` joins what the campaigns
give a car to the per-kind rules of `portal.reminders.rules`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from portal.reminders.facts import Advice, RecallRule, SeasonalRule, VehicleFacts
from portal.reminders.rules import (
    Kind,
    Reminder,
    Settings,
    Status,
    anniversary_reminder,
    car_reminder,
    day_reaching,
    driving_rate,
    latest_known_miles,
    protection_reminders,
    same_day_in_year,
    service_reminder,
    status_for,
    warranty_reminder,
)
from portal.reminders.wording import advised_why, recall_why, season_why


@lru_cache(maxsize=1024)
def season_window(rule: SeasonalRule, today: date) -> tuple[date, date] | None:
    """The (first, last) day of the campaign window containing today, if today is inside one."""
    for start_year in (today.year - 1, today.year):
        first = same_day_in_year(date(2000, *rule.start), start_year)
        end_year = start_year if rule.end >= rule.start else start_year + 1
        last = same_day_in_year(date(2000, *rule.end), end_year)
        if first <= today <= last:
            return first, last
    return None


@dataclass(frozen=True)
class CampaignState:
    """Whether a campaign runs today, as the campaign list shows it."""

    #: "running" (today is inside its window), "waiting" (for its next window, or a recall
    #: for its issue date) or "paused" (by an admin).
    state: str
    #: The last day of the window it is in (seasonal campaigns while running).
    until: date | None = None
    #: The day it starts running (while waiting).
    starts_on: date | None = None


def seasonal_state(
    start: tuple[int, int], end: tuple[int, int], active: bool, today: date
) -> CampaignState:
    """A seasonal campaign runs only inside its yearly window; otherwise it waits for the next."""
    if not active:
        return CampaignState("paused")
    window = season_window(SeasonalRule(0, "", "", start, end), today)
    if window is not None:
        return CampaignState("running", until=window[1])
    opens = same_day_in_year(date(2000, *start), today.year)
    if opens <= today:
        opens = same_day_in_year(date(2000, *start), today.year + 1)
    return CampaignState("waiting", starts_on=opens)


def recall_state(issued_on: date, active: bool, today: date) -> CampaignState:
    """A recall runs from its issue date until an admin pauses it."""
    if not active:
        return CampaignState("paused")
    if issued_on > today:
        return CampaignState("waiting", starts_on=issued_on)
    return CampaignState("running")


@dataclass(frozen=True)
class Campaigns:
    """The campaigns that apply on one day, arranged so each car is checked in constant time."""

    #: (rule, first day, last day) for each seasonal window open today.
    seasons: list[tuple[SeasonalRule, date, date]]
    #: Recalls issued by today, by (make, model) case-folded.
    recalls: dict[tuple[str, str], list[RecallRule]]

    @classmethod
    def on(cls, today: date, seasonal: Iterable[SeasonalRule], recalls: Iterable[RecallRule]):
        """Resolve the campaigns for `today`."""
        seasons = []
        for rule in seasonal:
            window = season_window(rule, today)
            if window is not None:
                seasons.append((rule, *window))
        by_model: dict[tuple[str, str], list[RecallRule]] = {}
        for rule in recalls:
            if rule.issued_on <= today:
                by_model.setdefault((rule.make.casefold(), rule.model.casefold()), []).append(rule)
        return cls(seasons, by_model)


def seasonal_reminders(car: VehicleFacts, campaigns: Campaigns, today: date):
    """A due_soon reminder for every campaign whose window contains today and fits the car."""
    for rule, first, last in campaigns.seasons:
        if rule.make and rule.make.casefold() != car.make.casefold():
            continue
        yield car_reminder(
            car,
            Kind.SEASONAL,
            key=f"seasonal:campaign-{rule.id}:vehicle-{car.id}:{first.year}",
            due_on=last,
            status=Status.DUE_SOON,
            words=lambda rule=rule, last=last: (
                rule.name,
                season_why(rule.name, last, today),
                rule.advice or "Request a visit and we'll take care of it.",
            ),
        )


def recall_matches(rule: RecallRule, make: str, model: str, year: int) -> bool:
    """Whether a recall covers a car: same make and model (any case), year in range."""
    return (
        rule.make.casefold() == make.casefold()
        and rule.model.casefold() == model.casefold()
        and rule.year_from <= year <= rule.year_to
    )


def recall_reminders(car: VehicleFacts, campaigns: Campaigns, today: date):
    """An overdue reminder for every open recall covering the car."""
    for rule in campaigns.recalls.get((car.make.casefold(), car.model.casefold()), ()):
        if rule.code.upper() in car.closed_recalls:
            continue
        if not recall_matches(rule, car.make, car.model, car.year):
            continue
        yield car_reminder(
            car,
            Kind.RECALL,
            key=f"recall:{rule.code.upper()}:vehicle-{car.id}",
            due_on=rule.issued_on,
            status=Status.OVERDUE,
            words=lambda rule=rule: (
                f"Recall {rule.code.upper()}: {rule.title}",
                recall_why(
                    issued_on=rule.issued_on,
                    today=today,
                    years=f"{rule.year_from}–{rule.year_to}",
                    make=rule.make,
                    model=rule.model,
                ),
                (rule.remedy or "The work is free of charge.")
                + " Request a visit and we'll arrange a time that suits you.",
            ),
        )


def advised_due(advice: Advice, known, rate: float) -> tuple[date, bool]:
    """When advised work falls due: its date, or the day the car is expected to reach its
    miles, whichever comes first (never before the day it was advised); True when by miles."""
    by_miles = day_reaching(known, advice.due_miles, rate) if advice.due_miles else None
    if by_miles is not None:
        by_miles = max(by_miles, advice.advised_on)
    if advice.due_on is None and by_miles is None:
        return advice.advised_on, False
    if by_miles is not None and (advice.due_on is None or by_miles < advice.due_on):
        return by_miles, True
    return advice.due_on, False


def advised_reminders(car: VehicleFacts, today: date, settings: Settings, rate: float, known):
    """A reminder for each piece of work advised at a visit, due on its own date."""
    for advice in car.advice:
        due_on, by_miles = advised_due(advice, known, rate)
        yield car_reminder(
            car,
            Kind.ADVISED,
            key=f"advised:{advice.id}:vehicle-{car.id}",
            due_on=due_on,
            status=status_for(due_on, today, settings.due_soon_days),
            words=lambda advice=advice, due_on=due_on, by_miles=by_miles: (
                advice.what,
                advised_why(
                    advised_on=advice.advised_on,
                    due_on=due_on,
                    today=today,
                    due_miles=advice.due_miles,
                    by_miles=by_miles,
                ),
                "Request a visit when it suits you, or mark it done if it has been taken care of.",
            ),
        )


def vehicle_reminders(
    car: VehicleFacts,
    today: date,
    settings: Settings,
    seasonal: Iterable[SeasonalRule] = (),
    recalls: Iterable[RecallRule] = (),
    campaigns: Campaigns | None = None,
) -> list[Reminder]:
    """Every reminder for one car on `today`; none once it has been sold or transferred.

    Pass `campaigns` (resolved once with `Campaigns.on`) when computing a whole fleet.
    """
    if car.retired_on is not None and car.retired_on <= today:
        return []
    if campaigns is None:
        campaigns = Campaigns.on(today, seasonal, recalls)
    rate = driving_rate(car, settings.default_miles_per_day)
    known = latest_known_miles(car)
    found = []
    for reminder in (
        service_reminder(car, today, settings, rate, known),
        warranty_reminder(car, today, settings, rate, known),
        anniversary_reminder(car, today, settings),
    ):
        if reminder is not None:
            found.append(reminder)
    if car.products:
        found.extend(protection_reminders(car, today, settings, rate, known))
    if campaigns.seasons:
        found.extend(seasonal_reminders(car, campaigns, today))
    if campaigns.recalls:
        found.extend(recall_reminders(car, campaigns, today))
    if car.advice:
        found.extend(advised_reminders(car, today, settings, rate, known))
    return found
