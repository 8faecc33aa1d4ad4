"""A visit's photos and clips: checked by what they contain, photos resized and stripped of
location (and every other) metadata, kept under random names in the media folder."""

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import ServiceError
from portal.visits.models import MediaKind
from portal.visits.rules import (
    PHOTO_LONGEST_SIDE,
    PHOTO_SUFFIXES,
    PHOTO_TYPES,
    THUMB_LONGEST_SIDE,
    VIDEO_TYPES,
    declared_type,
    video_type_of,
)

MEGABYTE = 1024 * 1024
#: Save options per format: good quality at a fraction of a camera's file size.
SAVE_OPTIONS = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}, "PNG": {}}


@dataclass(frozen=True)
class Upload:
    """A file as the form received it: its declared type and its bytes (stream)."""

    filename: str
    content_type: str
    stream: BinaryIO
    alt_text: str = ""


@dataclass(frozen=True)
class PreparedMedia:
    """A checked file ready to store: a re-encoded photo (and its thumbnail) or a clip."""

    kind: MediaKind
    content_type: str
    data: bytes
    thumb: bytes | None
    width: int | None
    height: int | None
    alt_text: str

    @property
    def suffix(self) -> str:
        return PHOTO_SUFFIXES.get(self.content_type) or VIDEO_TYPES[self.content_type]


def _read_within(upload: Upload, limit: int, what: str) -> bytes:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            f"{upload.filename or 'A file'} is larger than the {limit / MEGABYTE:g} MB a {what} "
            "may be; please choose a shorter or smaller one."
        )
    if not data:
        raise ServiceError(f"{upload.filename or 'A file'} is empty.")
    return data


def _refuse(upload: Upload, what: str) -> ServiceError:
    return ServiceError(
        f"{upload.filename or 'A file'} is not really {what}; nothing was saved. Photos can be "
        "JPEG, PNG or WebP, clips MP4 or WebM."
    )


def _open_image(upload: Upload, data: bytes) -> Image.Image:
    """Open and verify the picture; a file that is not one (or is a decompression bomb)
    is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(BytesIO(data)).verify()
            image = Image.open(BytesIO(data))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise _refuse(upload, "a photo") from error
    return image


def _encoded(image: Image.Image, image_format: str, longest: int) -> bytes:
    """The picture at most `longest` pixels on its longest side, re-encoded with no metadata
    but its colour profile (no EXIF, so no GPS position; no XMP; no text chunks)."""
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    copy.info = {key: value for key, value in image.info.items() if key == "icc_profile"}
    if image_format == "JPEG" and copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    out = BytesIO()
    copy.save(out, format=image_format, **SAVE_OPTIONS[image_format])
    return out.getvalue()


def prepare_photo(upload: Upload, limit: int) -> PreparedMedia:
    """A photo whose content is the JPEG, PNG or WebP it was declared as, upright, resized."""
    data = _read_within(upload, limit, "photo")
    image = _open_image(upload, data)
    content_type = PHOTO_TYPES.get(image.format or "")
    if content_type is None or content_type != declared_type(upload.content_type):
        raise _refuse(upload, f"the {declared_type(upload.content_type) or 'photo'} it claims")
    image_format = image.format
    upright = ImageOps.exif_transpose(image)
    photo = _encoded(upright, image_format, PHOTO_LONGEST_SIDE)
    width, height = Image.open(BytesIO(photo)).size
    return PreparedMedia(
        kind=MediaKind.PHOTO,
        content_type=content_type,
        data=photo,
        thumb=_encoded(upright, image_format, THUMB_LONGEST_SIDE),
        width=width,
        height=height,
        alt_text=upload.alt_text,
    )


def prepare_clip(upload: Upload, limit: int) -> PreparedMedia:
    """A clip whose first bytes say it is the MP4 or WebM it was declared as."""
    data = _read_within(upload, limit, "clip")
    found = video_type_of(data[:64])
    if found is None or found != declared_type(upload.content_type):
        raise _refuse(upload, f"the {declared_type(upload.content_type) or 'clip'} it claims")
    return PreparedMedia(MediaKind.VIDEO, found, data, None, None, None, upload.alt_text)


def prepare_upload(upload: Upload, photo_limit: int, video_limit: int) -> PreparedMedia:
    """Check one uploaded file by its declared type: a photo or a clip, else refused."""
    declared = declared_type(upload.content_type)
    if declared in PHOTO_SUFFIXES:
        return prepare_photo(upload, photo_limit)
    if declared in VIDEO_TYPES:
        return prepare_clip(upload, video_limit)
    raise _refuse(upload, "a photo or a clip")


def store(folder: Path, prepared: PreparedMedia) -> tuple[str, str | None]:
    """Write the file (and its thumbnail) under new random names; returns the names."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    stored_name = f"{token}.{prepared.suffix}"
    (folder / stored_name).write_bytes(prepared.data)
    thumb_name = None
    if prepared.thumb is not None:
        thumb_name = f"{token}-thumb.{prepared.suffix}"
        (folder / thumb_name).write_bytes(prepared.thumb)
    return stored_name, thumb_name
