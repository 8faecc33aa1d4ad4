"""Pure rules of "How did it go?": when to ask, what to say, which answers are accepted."""

import re
from datetime import date, datetime, timedelta

#: The question goes out the day after the visit, or on a later run within this many days;
#: older visits (a job that did not run, imported history) are never asked about.
ASK_WITHIN_DAYS = 7
#: How long after it was asked a survey takes an answer.
ANSWER_WITHIN_DAYS = 30
#: An answer may be changed for this long after it was first given; then it is final.
EDITABLE_DAYS = 7
#: A score at or below this opens a follow-up for the service manager (a stored setting).
LOW_SCORE = 2
SCORES = (1, 2, 3, 4, 5)
#: What each score means, as the form shows it.
SCORE_WORDS = {
    1: "1, poor",
    2: "2, disappointing",
    3: "3, fine",
    4: "4, good",
    5: "5, excellent",
}
COMMENT_MAX = 2000
NOTE_MAX = 2000

#: A visit's first phrase names a service when it is short and says so ("30,000-mile service").
_SERVICE_WORDS = ("service", "inspection", "check", "check-up", "mot", "repair", "recall")


def visits_due(today: date) -> tuple[date, date]:
    """The first and last visit day a run on `today` (the dealership's date) asks about."""
    return today - timedelta(days=ASK_WITHIN_DAYS), today - timedelta(days=1)


def service_name(work_done: str) -> str | None:
    """ "30,000-mile service" from "30,000-mile service: fluids, filters.", or None."""
    head = re.split(r"[:;.(\n]|, ", work_done or "", maxsplit=1)[0].strip()
    if not 3 <= len(head) <= 40 or not head.lower().endswith(_SERVICE_WORDS):
        return None
    return head[0].lower() + head[1:] if head[1:2].islower() else head


def question(first_name: str, car_label: str, work_done: str) -> str:
    """ "How did the 30,000-mile service on your Golf go, Sam?" (or "your Golf's visit")."""
    named = service_name(work_done)
    if named:
        return f"How did the {named} on your {car_label} go, {first_name}?"
    return f"How did your {car_label}'s visit go, {first_name}?"


def message_body(first_name: str, car_label: str, visited: date, link: str) -> str:
    """The short message: why now, the link near the top (a text message keeps 640
    characters), and that answering is optional."""
    day = f"{visited:%A} {visited.day} {visited:%B}"
    return "\n\n".join(
        [
            f"Hello {first_name},",
            f"Thank you for bringing your {car_label} to us on {day}. One short question: "
            f"how did it go? Choose 1 to 5, and add a comment if you like: {link}",
            "Your answer goes to our service manager and helps us look after you and your "
            f"{car_label}. It takes a few seconds, and it's fine not to answer.",
        ]
    )


def answerable_until(asked_at: datetime) -> datetime:
    """The last moment the survey takes a first answer."""
    return asked_at + timedelta(days=ANSWER_WITHIN_DAYS)


def editable_until(answered_at: datetime) -> datetime:
    """The last moment an answer can still be changed."""
    return answered_at + timedelta(days=EDITABLE_DAYS)


def can_answer(asked_at: datetime, answered_at: datetime | None, now: datetime) -> bool:
    """Whether the owner may answer (or change their answer) now."""
    if answered_at is not None:
        return now <= editable_until(answered_at)
    return now <= answerable_until(asked_at)


def is_low(score: int, low_score: int = LOW_SCORE) -> bool:
    """Whether a score asks the service manager to follow up."""
    return score <= low_score


def share_percent(part: int, whole: int) -> int:
    """`part` as a whole-number percentage of `whole` (0 when there is nothing)."""
    return round(part * 100 / whole) if whole else 0
