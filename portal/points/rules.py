"""How many points each thing earns, as admins can set them (stored under these keys)."""

from typing import Any

POINTS_DEFAULTS: dict[str, Any] = {
    "referrals.points_contacted": 0,
    "referrals.points_test_drive": 25,
    "referrals.points_purchased": 500,
    #: Points for coming to an event, awarded once at check-in.
    "referrals.points_event_attendance": 50,
    #: Points for a completed service visit, and per whole dollar spent on it.
    "visits.points_per_visit": 100,
    "visits.points_per_dollar": 0,
}
