"""Charity drive rules (pure): totals and matching, pledge limits, points, covers, thanks."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from portal.charity.models import DriveStatus, is_web_url
from portal.errors import ServiceError

#: Dealership settings this domain reads, with their defaults.
DEFAULTS: Mapping[str, Any] = {
    #: Reward points an owner gives up for one dollar to a money drive.
    "charity.points_per_dollar": 100,
}

MAX_PLEDGE_CENTS = 100_000 * 100
MAX_PLEDGE_ITEMS = 10_000
MAX_MESSAGE_LENGTH = 500

#: The largest cover we keep.
MAX_COVER_BYTES = 2 * 1024 * 1024
#: Folder under the app's instance path.
COVER_FOLDER = "charity_covers"
#: Content type -> file extension, for the types we accept.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

TOO_BIG = "Please choose an image under 2 MB."
NOT_AN_IMAGE = "Please choose a PNG, JPEG or WebP image."


@dataclass(frozen=True)
class DriveTotals:
    """A drive's progress: the running totals its contributions keep, with the match applied."""

    goal: int
    #: Everything owners pledged, received or not; and the part that has arrived.
    owners_pledged: int = 0
    owners_received: int = 0
    #: What donated reward points are worth in the drive's unit (always received).
    points_value: int = 0
    match_percent: int = 0
    match_cap: int | None = None
    participants: int = 0
    contributions: int = 0

    def _match(self, owners_total: int) -> int:
        """min(cap, ratio x owners' total): the dealership's matching pledge."""
        matched = owners_total * self.match_percent // 100
        return matched if self.match_cap is None else min(self.match_cap, matched)

    @property
    def match_received(self) -> int:
        return self._match(self.owners_received)

    @property
    def match_pledged(self) -> int:
        return self._match(self.owners_pledged)

    @property
    def received(self) -> int:
        """What has reached the drive: received pledges, points, and their match."""
        return self.owners_received + self.points_value + self.match_received

    @property
    def committed(self) -> int:
        """Received plus still-outstanding pledges (and the match on them)."""
        return self.owners_pledged + self.points_value + self.match_pledged

    @property
    def outstanding(self) -> int:
        return self.committed - self.received

    def share(self, value: int) -> float:
        """`value` as a percentage of the goal, capped at 100 for drawing."""
        return 0.0 if self.goal <= 0 else round(min(100.0, value * 100 / self.goal), 1)

    @property
    def percent_committed(self) -> int:
        """The headline figure, uncapped (a drive can beat its goal)."""
        return 0 if self.goal <= 0 else int(self.committed * 100 // self.goal)


@dataclass(frozen=True)
class HonourRoll:
    """Names of those who chose to be named, and how many gave anonymously."""

    names: list[str]
    anonymous: int


def honour_name(user) -> str:
    """First name and last initial: 'Grace W.'."""
    parts = user.name.split()
    initial = f" {parts[-1][0]}." if len(parts) > 1 else ""
    return f"{user.first_name}{initial}"


def visible_to(drive, viewer) -> bool:
    """Open and closed drives are public; drafts only for staff previewing them."""
    if drive.status != DriveStatus.DRAFT:
        return True
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_staff)


def accepts_pledges(drive, today: date) -> bool:
    """Open, started and not yet past its end date (in the dealership's time zone)."""
    return drive.is_open and drive.starts_on <= today <= drive.ends_on


def days_left(drive, today: date) -> int:
    """Whole days after today until the drive ends (0 on its last day, negative after)."""
    return (drive.ends_on - today).days


def checked_message(message: str | None) -> str | None:
    """A pledge's message, trimmed (None when blank); refused past MAX_MESSAGE_LENGTH."""
    message = (message or "").strip() or None
    if message and len(message) > MAX_MESSAGE_LENGTH:
        raise ServiceError(
            f"Please keep the message to {MAX_MESSAGE_LENGTH} characters.", field="message"
        )
    return message


def check_pledge_amount(drive, amount: int) -> None:
    """A pledge is at least one unit (a dollar or an item) and at most the drive's limit."""
    limit = MAX_PLEDGE_CENTS if drive.is_money else MAX_PLEDGE_ITEMS
    if not 0 < amount <= limit:
        raise ServiceError(
            f"Please pledge between {drive.format_amount(1 if not drive.is_money else 100)} "
            f"and {drive.format_amount(limit)}.",
            field="amount",
        )


def points_rate_words(points_per_dollar: int) -> str:
    """The club's points-to-money rate as every page shows it: '100 points = $1'."""
    return f"{points_per_dollar:,} {'point' if points_per_dollar == 1 else 'points'} = $1"


def convert_points(drive, points: int, points_per_dollar: int) -> int:
    """What `points` are worth in the drive's unit at this rate, rounded down."""
    if drive.is_money:
        return points * 100 // points_per_dollar if points_per_dollar > 0 else 0
    return points // drive.points_per_item if drive.points_per_item else 0


def check_drive_values(values: Mapping[str, Any]) -> None:
    """A drive ends on or after the day it starts, and its charity's link is a web address."""
    if values["ends_on"] < values["starts_on"]:
        raise ServiceError("The drive must end on or after the day it starts.", field="ends_on")
    if values.get("beneficiary_url") and not is_web_url(values["beneficiary_url"]):
        raise ServiceError(
            "Enter a full web address starting with https:// or http://.",
            field="beneficiary_url",
        )


def thank_you_body(drive, totals: DriveTotals, person, given: int, dealership_name: str) -> str:
    """The thank-you text: who, what the drive achieved, their part, what happens next."""
    fmt = drive.format_amount
    result = (
        f"The {drive.name} drive for {drive.beneficiary_name} has closed. Together the club "
        f"gave {fmt(totals.committed)} toward the goal of {fmt(drive.goal_amount)} "
        f"({totals.percent_committed}%)."
    )
    if totals.match_pledged:
        result += f" That includes {fmt(totals.match_pledged)} matched by {dealership_name}."
    paragraphs = [
        f"Hello {person.first_name},",
        result,
        f"Your part was {fmt(given)}, and it made a real difference.",
    ]
    if totals.outstanding:
        paragraphs.append(
            "If part of a pledge is still on its way, there's no rush: the team will be in "
            "touch about handing it over."
        )
    paragraphs.append(f"Thank you for being part of it.\n\nThe team at {dealership_name}")
    return "\n\n".join(paragraphs)


# --- Cover images: checked by their bytes, whatever the file is called -------------------


def sniff_image_type(head: bytes) -> str | None:
    """The image type the first bytes prove, whatever the file is called; None otherwise."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_checked_cover(stream: IO[bytes]) -> tuple[bytes, str]:
    """The upload's bytes and content type, or a ServiceError for the cover field."""
    data = stream.read(MAX_COVER_BYTES + 1)
    if len(data) > MAX_COVER_BYTES:
        raise ServiceError(TOO_BIG, field="cover")
    content_type = sniff_image_type(data[:16])
    if content_type is None:
        raise ServiceError(NOT_AN_IMAGE, field="cover")
    return data, content_type


def cover_path(instance_path: str, filename: str) -> Path:
    """Where a stored cover lives (names are ours, never the uploader's)."""
    return Path(instance_path) / COVER_FOLDER / Path(filename).name


def export_amount(drive, value: int) -> str | int:
    """Dollars with cents for money drives (stored in cents), a count for item drives."""
    if drive.is_money:
        return f"{value // 100}.{value % 100:02d}"
    return value
