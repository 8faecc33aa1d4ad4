"""How long a client refused by a rate limit should wait, in seconds and in words."""

import math
import time
from datetime import UTC, datetime

from werkzeug.exceptions import TooManyRequests

from portal.extensions import limiter

#: When nothing says how long a refusal lasts (it should not happen), ask for a minute.
DEFAULT_WAIT_SECONDS = 60


def retry_after_seconds(error: TooManyRequests) -> int:
    """Seconds until the limit that refused this request lets the client in again.

    A 429 raised with `retry_after` says so itself; otherwise Flask-Limiter's breached
    limit knows when its window resets (`current_limit.reset_at`, a Unix time).
    """
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, datetime):
        return max(1, math.ceil((retry_after - datetime.now(UTC)).total_seconds()))
    if isinstance(retry_after, int):
        return max(1, retry_after)
    limit = limiter.current_limit
    if limit is not None:
        # Flask-Limiter's own formula, so the page agrees with the header it writes.
        return max(1, int(limit.reset_at - time.time()))
    return DEFAULT_WAIT_SECONDS


def wait_in_words(seconds: int) -> str:
    """'in about a minute', 'in about 12 minutes', 'in about an hour', 'in about 3 hours'."""
    if seconds <= 60:
        return "in about a minute"
    if seconds < 55 * 60:
        return f"in about {math.ceil(seconds / 60)} minutes"
    if seconds < 90 * 60:
        return "in about an hour"
    return f"in about {round(seconds / 3600)} hours"
