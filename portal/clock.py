"""One clock for the whole portal, so tests and `--as-of` runs can move time."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now() -> datetime:
    """The current time in UTC (or the frozen time)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def local_today(tz_name: str) -> date:
    """Today's date in the dealership's time zone."""
    return now().astimezone(ZoneInfo(tz_name)).date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Hold the clock at `at` (aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze the clock with an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
