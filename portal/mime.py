"""A message's bytes as they go to the mail server, written directly (CRLF line ends).

Python's `email` package parses each header it is given into a tree and writes the tree out
again, then walks the message once more to write it: at the volume of a dispatch run that
was half of the dispatcher's time. Here a message is written as bytes in one pass.

What the portal's mail is made of is written as the package writes it: a header of plain
ASCII words (wrapped at spaces as the package wraps them), a bare address, the parts'
content headers, and text bodies encoded as the package's content manager chooses (7bit
or 8bit when every line fits, otherwise quoted-printable or base64, whichever is shorter).
Any other header value (non-ASCII, a display name, a word too long for a line, what looks
like an encoded-word) goes through the package's own parser and folding, so it comes out
exactly as before. `tests/test_mime.py` holds this against the package, message by message.
"""

import base64
import binascii
import email.policy
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import (
    AddressHeader,
    HeaderRegistry,
    MessageIDHeader,
    UnstructuredHeader,
)
from email.utils import quote

#: RFC 5322's hard limit on a line, without its CRLF.
MAX_LINE_OCTETS = 998

CRLF = b"\r\n"


def fold_words(name: str, value: str, max_line_length: int) -> str:
    """`name: value` wrapped at spaces: each line as long as it may be, words kept whole.

    Continuation lines start with the space they were broken at. A word longer than a line
    stands on a line of its own.
    """
    lines = [f"{name}:"]
    for position, word in enumerate(value.split(" ")):
        if position and len(lines[-1]) + 1 + len(word) > max_line_length:
            lines.append("")
        lines[-1] += f" {word}"
    return "\r\n".join(lines) + "\r\n"


class VerbatimHeader(UnstructuredHeader):
    """A header written exactly as given: folded only at whitespace, never encoded.

    List-Unsubscribe (RFC 2369, RFC 8058) must carry `<https://...>` as plain ASCII; the
    default folding turns a long value without spaces into an RFC 2047 encoded-word,
    which no mailbox provider reads as a URL. Words stay whole: one longer than the
    policy's preferred line stands on a line of its own, up to RFC 5322's 998 octets.
    """

    def fold(self, *, policy) -> str:
        return verbatim_fold(self.name, str(self), policy.max_line_length).replace(
            "\r\n", policy.linesep
        )


def verbatim_fold(name: str, value: str, max_line_length: int) -> str:
    """A `VerbatimHeader`'s lines (CRLF); ValueError when the value cannot be one."""
    if not value.isascii() or any(ch in value for ch in "\r\n\0"):
        raise ValueError(f"{name} must be plain ASCII on one logical line")
    folded = fold_words(name, " ".join(value.split()), max_line_length)
    if any(len(line) > MAX_LINE_OCTETS for line in folded.split("\r\n")):
        raise ValueError(f"{name} has a word longer than {MAX_LINE_OCTETS} characters")
    return folded


class _HeaderRegistry(HeaderRegistry):
    """The standard header registry, but each header's class is made once, not per header.

    Python's registry builds a new class with `type()` for every header of every message;
    at the volume of a dispatch run that is a fifth of the time spent building mail.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        for name in ("List-Unsubscribe", "List-Unsubscribe-Post"):
            self.map_to_type(name, VerbatimHeader)

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


#: email's default policy (RFC-correct headers), with the faster header registry that
#: writes List-Unsubscribe verbatim.
POLICY = email.policy.default.clone(header_factory=_HeaderRegistry())

#: The policy as the wire wants it (CRLF), and for a message to an address that needs
#: SMTPUTF8 (headers in UTF-8 rather than encoded-words), as smtplib sends such a message.
WIRE = POLICY.clone(linesep="\r\n")
WIRE_UTF8 = WIRE.clone(utf8=True)

#: Printable ASCII words, one space apart.
_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
#: A bare address, `local@domain`, of dot-atoms (RFC 5322 3.4.1, without quoted strings).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")
#: A MIME parameter's value that the package writes as it is, in quotes (RFC 2045 token).
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, e.g. an event as `text/calendar`."""

    filename: str
    content: bytes
    maintype: str
    subtype: str
    #: Extra Content-Type parameters, e.g. {"method": "PUBLISH"} for a calendar file.
    params: Mapping[str, str] = field(default_factory=dict)


def header_line(name: str, value: str, policy=WIRE) -> bytes:
    """The header as it goes on the wire, folded as the `email` package folds it.

    A value with a line break in it raises ValueError (no header can smuggle in another).
    """
    kind = POLICY.header_factory[name]
    if issubclass(kind, VerbatimHeader) and "=?" not in value:
        return verbatim_fold(name, value, policy.max_line_length).encode("ascii")
    if "=?" not in value and _WORDS.match(value):
        fits = len(name) + 2 + len(value) <= policy.max_line_length
        if fits and (
            issubclass(kind, MessageIDHeader)
            or (issubclass(kind, AddressHeader) and is_bare_address(value))
        ):
            return f"{name}: {value}\r\n".encode("ascii")
        if issubclass(kind, UnstructuredHeader) and _wraps_whole(name, value, policy):
            return _fold_text(name, value, policy.max_line_length).encode("ascii")
    return policy.fold_binary(*policy.header_store_parse(name, value))


def is_bare_address(value: str) -> bool:
    """`local@domain` and nothing else: no display name, no comment, one address."""
    return _ADDRESS.match(value) is not None


def _fold_text(name: str, value: str, max_line_length: int) -> str:
    """Text too long for the header's line: on a line of its own when it fits one, else
    wrapped at spaces (the package breaks at the largest piece that fits)."""
    if len(name) + 2 + len(value) > max_line_length and len(value) + 1 <= max_line_length:
        return f"{name}:\r\n {value}\r\n"
    return fold_words(name, value, max_line_length)


def _wraps_whole(name: str, value: str, policy) -> bool:
    """Every word fits on a line: the package would encode a longer one instead."""
    words = value.split(" ")
    first = len(name) + 2 + len(words[0])
    return first <= policy.max_line_length and max(map(len, words)) < policy.max_line_length


def message_bytes(
    head: Iterable[bytes],
    text: str,
    html: str | None,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """The whole message: `head` (header lines), then its text, its HTML alternative when
    given, and its attachments (multipart/mixed around the rest)."""
    body = _text_part(text, "plain")
    if html:
        body = _multipart("alternative", [body, _text_part(html, "html")])
    if attachments:
        body = _multipart("mixed", [body, *map(_attachment_part, attachments)])
    return b"".join(head) + b"MIME-Version: 1.0\r\n" + body


def _text_part(text: str, subtype: str) -> bytes:
    encoding, body = _encode_text(text)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode("ascii") + body


def _encode_text(text: str) -> tuple[str, bytes]:
    """The content manager's choice for UTF-8 text, and the body it encodes to."""
    lines = text.encode("utf-8").splitlines()
    if max(map(len, lines), default=0) <= WIRE.max_line_length:
        body = CRLF.join(lines) + CRLF
        return ("7bit" if body.isascii() else "8bit"), body
    sniff = b"\n".join(lines[:10]) + b"\n"
    body = b"\n".join(lines) + b"\n"  # the package's own line ends inside the encoding
    if len(_quoted_printable(sniff)) > len(binascii.b2a_base64(sniff)):
        return "base64", _base64(body)
    return "quoted-printable", _quoted_printable(body)


def _quoted_printable(data: bytes) -> bytes:
    return binascii.b2a_qp(data, quotetabs=False, istext=True).replace(b"\n", CRLF)


def _base64(data: bytes) -> bytes:
    """Lines of 76 characters (57 bytes each), as the content manager writes them."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _attachment_part(attachment: Attachment) -> bytes:
    content_type = f"{attachment.maintype}/{attachment.subtype}"
    return (
        _parameterised("Content-Type", content_type, attachment.params)
        + b"Content-Transfer-Encoding: base64\r\n"
        + _parameterised("Content-Disposition", "attachment", {"filename": attachment.filename})
        + CRLF
        + _base64(attachment.content)
    )


def _parameterised(name: str, value: str, params: Mapping[str, str]) -> bytes:
    """A content header with its parameters, each value in quotes as the package writes it.

    A value that is not a plain token (a space, a quote, non-ASCII), or a line too long,
    goes through the package's folding, which writes RFC 2231 parameters where needed.
    """
    line = f"{name}: {value}" + "".join(f'; {key}="{quote(v)}"' for key, v in params.items())
    if len(line) <= WIRE.max_line_length and all(map(_TOKEN.match, params.values())):
        return line.encode("ascii") + CRLF
    return header_line(name, line[len(name) + 2 :])


def _multipart(subtype: str, parts: Sequence[bytes]) -> bytes:
    boundary = _boundary(parts)
    delimiter = b"--" + boundary
    return (
        f'Content-Type: multipart/{subtype}; boundary="'.encode("ascii")
        + boundary
        + b'"\r\n\r\n'
        + delimiter
        + CRLF
        + (CRLF + delimiter + CRLF).join(parts)
        + CRLF
        + delimiter
        + b"--\r\n"
    )


def _boundary(parts: Sequence[bytes]) -> bytes:
    """A boundary that appears in none of the parts (RFC 2046 5.1.1)."""
    while True:
        boundary = f"=_{secrets.token_hex(12)}".encode("ascii")
        if not any(boundary in part for part in parts):
            return boundary
