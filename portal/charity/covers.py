"""Drive cover images: checked by their bytes, stored under a random name, served safely."""

import secrets
from pathlib import Path
from typing import IO

from portal.errors import ServiceError

#: The largest cover we keep.
MAX_COVER_BYTES = 2 * 1024 * 1024
#: Folder under the app's instance path.
COVER_FOLDER = "charity_covers"
#: Content type -> file extension, for the types we accept.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

TOO_BIG = "Please choose an image under 2 MB."
NOT_AN_IMAGE = "Please choose a PNG, JPEG or WebP image."


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


def save_cover(instance_path: str, data: bytes, content_type: str) -> str:
    """Write checked bytes under a fresh random name; returns the name."""
    folder = Path(instance_path) / COVER_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
    (folder / filename).write_bytes(data)
    return filename


def cover_path(instance_path: str, filename: str) -> Path:
    """Where a stored cover lives (names are ours, never the uploader's)."""
    return Path(instance_path) / COVER_FOLDER / Path(filename).name


def delete_cover(instance_path: str, filename: str | None) -> None:
    """Remove a replaced cover; a missing file is fine."""
    if filename:
        cover_path(instance_path, filename).unlink(missing_ok=True)
