"""Files for the visit tests: real pictures made with Pillow, and clips' first bytes."""

from io import BytesIO

from PIL import Image

#: The EXIF tag of the GPS block, and its latitude/longitude tags.
GPS_IFD = 0x8825
GPS_LATITUDE = 2


def jpeg_with_gps(size: tuple[int, int] = (2400, 1200)) -> bytes:
    """A JPEG carrying a GPS position (Piccadilly Circus) in its EXIF."""
    image = Image.new("RGB", size, (40, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Workshop camera"  # Make
    exif.get_ifd(GPS_IFD).update(
        {1: "N", GPS_LATITUDE: (51.0, 30.0, 36.0), 3: "W", 4: (0.0, 8.0, 4.0)}
    )
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (300, 200)) -> bytes:
    """A small PNG."""
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def mp4(size: int = 40_000) -> bytes:
    """Bytes that start as an MP4 does (an 'ftyp' box), then a known pattern."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    body = bytes(i % 251 for i in range(size - len(head)))
    return head + body


def webm() -> bytes:
    """Bytes that start as a WebM does (an EBML header naming 'webm')."""
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 500


def has_gps(data: bytes) -> bool:
    """Whether a picture's EXIF still holds a GPS block."""
    exif = Image.open(BytesIO(data)).getexif()
    return GPS_IFD in exif or bool(exif.get_ifd(GPS_IFD))
