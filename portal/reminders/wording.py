"""What each reminder says: true whether its day is past, today or ahead, estimates marked.

Pure functions from dates and numbers to sentences; `portal.reminders.rules` and
`portal.reminders.campaigns` call them when a reminder's words are shown or sent.
"""

from datetime import date

NUMBER_WORDS = (
    *("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen", "twenty", "twenty-one", "twenty-two", "twenty-three"),
    "twenty-four",
)


def short_date(day: date) -> str:
    """'Thu 20 Nov 2025'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def counted(number: int, unit: str) -> str:
    """'six months', 'one month', '30 months': small numbers in words, as people say them."""
    amount = NUMBER_WORDS[number] if 0 <= number < len(NUMBER_WORDS) else f"{number:,}"
    return f"{amount} {unit}{'' if number == 1 else 's'}"


def span(days: int) -> str:
    """A distance in days as people say it: '12 days', 'about 3 months', 'about 6 years'."""
    if days == 1:
        return "1 day"
    if days < 60:
        return f"{days} days"
    if days < 730:
        months = round(days / 30.44)
        return "about a year" if months == 12 else f"about {months} months"
    return f"about {round(days / 365.25)} years"


def relative(day: date, today: date) -> str:
    """'today', 'tomorrow', 'yesterday', 'in 12 days', '5 days ago', 'about 6 years ago'."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if days > 0:
        return f"in {span(days)}"
    return f"{span(-days)} ago"


def due_clause(due_on: date, today: date, around: bool = False) -> str:
    """'due Mon 14 Dec 2026 (in 13 days)', 'due today', 'it was due on … (20 days ago)';
    with `around`, the day is an estimate and says so."""
    word = "due around" if around else "due"
    if due_on == today:
        return "due about now, by our estimate" if around else "due today"
    if due_on > today:
        return f"{word} {short_date(due_on)} ({relative(due_on, today)})"
    return f"it was {word if around else 'due on'} {short_date(due_on)} ({relative(due_on, today)})"


def pace(rate: float, measured: bool) -> str:
    """How fast the car is driven, saying where the figure comes from."""
    if measured:
        return f"at the {rate:,.0f} miles a day its readings show"
    return f"at the {rate:,.0f} miles a day we assume until you tell us its miles"


def service_why(
    *,
    since: str,
    base_on: date,
    base_miles: int | None,
    base_miles_estimated: bool,
    due_on: date,
    today: date,
    months: int,
    miles: int,
    by_miles: bool,
    rate: float,
    measured: bool,
) -> str:
    """Why a service is mentioned now: the interval, from when, and the day it falls due."""
    if not by_miles:
        interval = counted(months, "month").capitalize()
        return f"{interval} since {since} on {short_date(base_on)} — {due_clause(due_on, today)}."
    at = ""
    if base_miles is not None:
        at = f" (at {'about ' if base_miles_estimated else ''}{base_miles:,} miles"
        at += ", our estimate)" if base_miles_estimated else ")"
    return (
        f"{miles:,} miles since {since} on {short_date(base_on)}{at} — "
        f"{pace(rate, measured)}, {due_clause(due_on, today, around=True)}."
    )


def lapsed_why(*, last_on: date, due_on: date, today: date, months: int) -> str:
    """A service overdue by more than a whole interval: how long it has been, gently."""
    return (
        f"Its last service on file was on {short_date(last_on)}, {relative(last_on, today)}; "
        f"{counted(months, 'month')} on, {due_clause(due_on, today)}."
    )


def unknown_history_why(
    *, since: str, base_on: date, due_on: date, today: date, months: int, by_miles: bool
) -> str:
    """A car with no service on file: what we know, and why we ask rather than guess."""
    known = f"We have no service on file since {since} on {short_date(base_on)}"
    reckoning = "going by its miles" if by_miles else f"{counted(months, 'month')} on"
    if due_on > today:
        return (
            f"{known}. Its first service would be due around {short_date(due_on)} "
            f"({relative(due_on, today)}), {reckoning}; if it has had one already, tell us when."
        )
    due = (
        "it's due about now"
        if due_on == today
        else f"it was due around {short_date(due_on)} ({relative(due_on, today)})"
    )
    return (
        f"{known} ({relative(base_on, today)}). If it hasn't had one since, {due}, "
        f"{reckoning}; if it has, tell us when and we'll time the next reminder from there."
    )


def cover_why(
    *, cover: str, limit_miles: int | None, end: date, today: date, rate: float, measured: bool
) -> str:
    """Why cover (`its factory warranty`, `your Tyre cover`) is mentioned: its end by date or
    by miles, the latter always an estimate."""
    when = "today" if end == today else f"on {short_date(end)} ({relative(end, today)})"
    if limit_miles is None:
        return f"{cover[0].upper()}{cover[1:]} ends {when}."
    around = "today" if end == today else f"around {short_date(end)} ({relative(end, today)})"
    return (
        f"{pace(rate, measured).capitalize()}, it should reach the {limit_miles:,}-mile limit "
        f"of {cover} {around}."
    )


def anniversary_why(*, years: int, bought_on: date, due_on: date, today: date) -> str:
    """The purchase anniversary, on the day or ahead of it."""
    together = counted(years, "year")
    if due_on == today:
        return f"Today it's {together} since you drove it home on {short_date(bought_on)}."
    return (
        f"On {short_date(due_on)} ({relative(due_on, today)}) it will be {together} since "
        f"you drove it home."
    )


def birthday_why(due_on: date, today: date) -> str:
    """The owner's birthday, on the day or ahead of it."""
    if due_on == today:
        return f"It's your birthday today, {short_date(due_on)}. Happy birthday!"
    return f"Your birthday is {relative(due_on, today)}, on {short_date(due_on)}."


def season_why(name: str, last: date, today: date) -> str:
    """A seasonal campaign open today, and until when."""
    if last == today:
        return f"It's the season: our {name.lower()} offer ends today."
    return (
        f"It's the season: our {name.lower()} offer runs until {short_date(last)} "
        f"({relative(last, today)})."
    )


def recall_why(*, issued_on: date, today: date, years: str, make: str, model: str) -> str:
    """An open recall: when the manufacturer issued it and that it covers this car."""
    when = (
        "today"
        if issued_on == today
        else f"on {short_date(issued_on)} ({relative(issued_on, today)})"
    )
    return (
        f"The manufacturer issued this recall {when} for {years} {make} {model} cars, "
        "and yours is one."
    )


def advised_why(
    *, advised_on: date, due_on: date, today: date, due_miles: int | None, by_miles: bool
) -> str:
    """Work the workshop advised at a visit: when, and when it falls due (by date or miles)."""
    seen = f"When we saw your car on {short_date(advised_on)}, our technician suggested this"
    if by_miles and due_miles is not None:
        return f"{seen} at about {due_miles:,} miles: {due_clause(due_on, today, around=True)}."
    return f"{seen} for later: {due_clause(due_on, today)}."
