"""Pure rules of a visit: what a file really is, money in words, the points it earns."""

from dataclasses import dataclass
from decimal import Decimal

from portal.points.rules import POINTS_DEFAULTS

#: Photo formats the workshop may upload: Pillow's format name -> the content type.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: Clip formats: content type -> the file's ending when stored.
VIDEO_TYPES = {"video/mp4": "mp4", "video/webm": "webm"}
PHOTO_SUFFIXES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
#: Photos are kept at most this many pixels on their longest side; thumbnails at this.
PHOTO_LONGEST_SIDE = 1600
THUMB_LONGEST_SIDE = 480
#: The EBML header every WebM (Matroska) file starts with.
EBML_MAGIC = b"\x1a\x45\xdf\xa3"

POINTS_PER_VISIT = "visits.points_per_visit"
POINTS_PER_DOLLAR = "visits.points_per_dollar"


def declared_type(content_type: str | None) -> str:
    """The upload's declared type without parameters, lower case ('image/jpeg')."""
    return (content_type or "").split(";")[0].strip().lower()


def video_type_of(head: bytes) -> str | None:
    """What a clip's first bytes say it is: MP4 (an ISO 'ftyp' box) or WebM (EBML), or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(EBML_MAGIC) and b"webm" in head[:64]:
        return "video/webm"
    return None


def fitted_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size that keeps the picture's shape with its longest side at most `longest`."""
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def money(minor: int) -> str:
    """Cents as the owner reads them: '$1,234.50'."""
    sign = "-" if minor < 0 else ""
    return f"{sign}${abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def cents(amount: Decimal | None) -> int | None:
    """A price typed in dollars as whole cents, or None when left blank."""
    if amount is None:
        return None
    return int((amount * 100).to_integral_value())


@dataclass(frozen=True)
class PointsSettings:
    """What a completed visit earns: a flat amount and/or an amount per dollar spent."""

    per_visit: int = POINTS_DEFAULTS[POINTS_PER_VISIT]
    per_dollar: int = POINTS_DEFAULTS[POINTS_PER_DOLLAR]


def visit_points(settings: PointsSettings, spent_minor: int) -> int:
    """Points for a visit: the flat amount plus the per-dollar amount on whole dollars spent."""
    return settings.per_visit + settings.per_dollar * (max(0, spent_minor) // 100)


def points_reason(car_name: str) -> str:
    """The owner's points-history line: 'Service visit for your Golf'. The history shows
    the line's date under it (the visit's day) in a <time> element, so it is not repeated
    in the text, where no page could mark it up."""
    return f"Service visit for your {car_name}"


def visit_key(visit_id: int) -> str:
    """The ledger's idempotency key for a visit's points."""
    return f"visit:{visit_id}"
