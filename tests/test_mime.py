"""Messages written directly as bytes read as the `email` package's own, header by header.

`reference` builds a message the way the mailer did before it wrote bytes itself (an
`EmailMessage` with the same policy, flattened as smtplib flattens it). Both are parsed
back with the standard policy and compared: every header's value, every part's type,
parameters, encoding's result and content. Only the boundaries differ (random on both).
"""

import random
import smtplib
import socket
import string
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from email.utils import format_datetime

import pytest
from aiosmtpd.controller import Controller

from portal.mail import Mailer, SmtpBackend
from portal.mime import POLICY, WIRE, WIRE_UTF8, Attachment, header_line

FIXED_DATE = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
SENDER = "Owners Club at Harbour Motors <club@harbour-motors.example>"
URL = "https://owners.example/unsubscribe/" + "A1b2C3d4" * 16

SUBJECTS = [
    "Your seat is confirmed, Grace",
    "Grace, your seat at the tyre clinic on Saturday morning is confirmed: see you there",
    "Chloé, a note about your Škoda Octavia Estate and the winter check we look after",
    "A subject with  two spaces and a trailing one ",
    "Literal =?utf-8?q?Caf=C3=A9?= in a subject",
    "A word longer than a line: " + "x" * 90,
    "Tabs\tinside",
    "",
]
RECIPIENTS = [
    "owner1@example.com",
    "Grace Hopper <grace@example.com>",
    "Chloé Dubois <chloe@example.com>",
    '"Dubois, Chloé" <chloe@example.com>',
    "first.last+club@mail.example.co.uk",
]
TEXTS = [
    "See you on Saturday.",
    "Hello Chloé,\n\nYour Škoda is due a look.\n",
    "Line one\r\nLine two\rLine three\n\n.starts with a dot\nFrom the start of a line\n",
    "A long line " + "word " * 40 + "\nand a short one",
    "Accented and long: " + "Škoda é " * 30 + "\n" + "ü" * 200,
    "",
    "Trailing spaces   \nand a tab\t\n= an equals sign at the start\n",
]
HTMLS = [
    None,
    "",
    "<p>Hi</p>",
    '<table style="width:100%;border-collapse:collapse"><tr><td style="padding:12px 16px">'
    + "Voilà " * 40
    + "</td></tr></table>",
]
ATTACHMENTS = [
    (),
    (
        Attachment(
            "tyre-clinic.ics",
            b"BEGIN:VCALENDAR\r\nSUMMARY:Tyre clinic \xc3\xa9\r\nEND:VCALENDAR\r\n" * 5,
            "text",
            "calendar",
            {"method": "PUBLISH", "charset": "utf-8"},
        ),
    ),
    (
        Attachment("Réunion d'été.ics", b"\x00\x01binary" * 40, "application", "octet-stream"),
        Attachment('a "quoted" name.pdf', b"%PDF-1.4", "application", "pdf", {"x-note": "a b"}),
    ),
]


def reference(to, subject, text, html, headers, attachments) -> EmailMessage:
    """The message as the `email` package builds it (the mailer's former code)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(FIXED_DATE)
    message["Message-ID"] = "<1.2.3@owners.example>"
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    return message


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _reference_bytes(message: EmailMessage, utf8: bool) -> bytes:
    # What smtplib's send_message put on the wire: the message's policy, CRLF.
    return message.as_bytes(policy=WIRE_UTF8 if utf8 else WIRE)


def _described(message: EmailMessage) -> list:
    """Everything a mail client reads of a message, boundaries aside."""
    parts = []
    for part in message.walk():
        headers = [
            (name.lower(), str(value))
            for name, value in part.items()
            if name.lower() not in ("content-type", "date", "message-id", "mime-version")
        ]
        params = {k: v for k, v in part["Content-Type"].params.items() if k != "boundary"}
        content = None if part.is_multipart() else part.get_content()
        parts.append(
            (part.get_content_type(), params, sorted(headers), part.get_filename(), content)
        )
    return parts


def _build(to, subject, text, html, headers, attachments):
    mailer = Mailer(backend=None, sender=SENDER, domain="owners.example")
    return mailer.build(to, subject, text, html, headers, attachments)


#: Every subject with every text and every set of attachments (168 = 8 x 7 x 3), the
#: recipients and HTML bodies turning round among them.
CASES = [
    (RECIPIENTS[i % 5], SUBJECTS[i % 8], TEXTS[i % 7], HTMLS[i % 4], ATTACHMENTS[i % 3])
    for i in range(168)
]


@pytest.mark.parametrize("to, subject, text, html, attachments", CASES)
def test_a_message_reads_as_the_email_packages_own(to, subject, text, html, attachments):
    headers = {
        "List-Unsubscribe": f"<{URL}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    built = _build(to, subject, text, html, headers, attachments)
    ours = _parse(built.data)
    theirs = _parse(
        _reference_bytes(reference(to, subject, text, html, headers, attachments), False)
    )

    assert _described(ours) == _described(theirs)
    assert [name for name, _ in ours.items()][:7] == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ]
    strict = BytesParser(policy=policy.strict).parsebytes(built.data)
    assert not strict.defects and all(not part.defects for part in strict.walk())
    lines = built.data.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 998 for line in lines)
    assert built.message_id == ours["Message-ID"]


def test_each_header_is_the_packages_own_byte_for_byte():
    """Headers are compared as bytes: a mailbox's filters and signatures see these."""
    headers = {
        "List-Unsubscribe": f"<{URL}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    for to in RECIPIENTS:
        for subject in SUBJECTS:
            built = _build(to, subject, "Hello", None, headers, ())
            head = built.data.split(b"\r\n\r\n")[0] + b"\r\n"
            theirs = _reference_bytes(reference(to, subject, "Hello", None, headers, ()), False)
            their_head = theirs.split(b"\r\n\r\n")[0] + b"\r\n"
            skip = (b"Date:", b"Message-ID:", b"MIME-Version:", b"Content-")
            ours_kept = [h for h in _header_blocks(head) if not h.startswith(skip)]
            theirs_kept = [h for h in _header_blocks(their_head) if not h.startswith(skip)]
            assert ours_kept == theirs_kept


def _header_blocks(head: bytes) -> list[bytes]:
    """Each header with its continuation lines."""
    blocks: list[bytes] = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            blocks[-1] += b"\r\n" + line
        else:
            blocks.append(line)
    return blocks


def test_plain_words_fold_as_the_package_folds_them():
    """Seeded random words of every length near a line's: the fast folding and the
    package's agree byte for byte (or the value went through the package itself)."""
    rng = random.Random(14)
    alphabet = string.ascii_letters + string.digits + ".,!?'()-:;\"<>@/"
    lengths = [1, 2, 3, 5, 8, 13, 20, 40, 60, 65, 69, 70, 71, 72, 75, 76, 77, 78, 79]
    for _ in range(4000):
        words = [
            "".join(rng.choice(alphabet) for _ in range(rng.choice(lengths)))
            for _ in range(rng.randint(1, rng.choice([2, 4, 8, 25])))
        ]
        value = " ".join(words)
        for name in ("Subject", "X-Portal-Kind"):
            assert header_line(name, value) == WIRE.fold_binary(
                *WIRE.header_store_parse(name, value)
            ), value


@pytest.mark.parametrize("value", ["Hi\r\nBcc: everyone@example.com", "Hi\nthere", "Hi\rthere"])
def test_a_header_cannot_carry_another(value):
    with pytest.raises(ValueError):
        _build("owner1@example.com", value, "Hello", None, {}, ())
    with pytest.raises(ValueError):
        _build("owner1@example.com", "Hi", "Hello", None, {"X-Note": value}, ())


def test_a_long_list_unsubscribe_stays_whole_and_never_encoded():
    long_url = "https://owners.example/unsubscribe/" + "z" * 900
    built = _build(
        "owner1@example.com", "Hi", "Hello", None, {"List-Unsubscribe": f"<{long_url}>"}, ()
    )
    assert f"\r\nList-Unsubscribe: <{long_url}>\r\n".encode() in built.data
    with pytest.raises(ValueError, match="longer than 998"):
        _build(
            "o@example.com", "Hi", "Hello", None, {"List-Unsubscribe": "<" + "z" * 1000 + ">"}, ()
        )


def test_the_envelope_holds_bare_addresses():
    built = _build('"Dubois, Chloé" <chloe@example.com>', "Hi", "Hello", None, {}, ())
    assert built.sender == "club@harbour-motors.example"
    assert built.recipients == ("chloe@example.com",)
    assert not built.international
    for nobody in ("", "undisclosed-recipients:;", "Grace Hopper"):
        with pytest.raises(ValueError, match="no address"):
            _build(nobody, "Hi", "Hello", None, {}, ())


class _Keeper:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


def _server(smtputf8: bool):
    keeper = _Keeper()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(keeper, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    return controller, keeper, port


def test_an_address_beyond_ascii_goes_with_smtputf8_when_the_server_offers_it():
    controller, keeper, port = _server(smtputf8=True)
    try:
        mailer = Mailer(SmtpBackend("127.0.0.1", port), SENDER, "owners.example")
        mailer.send("Chloé <chloé@exemple.fr>", "Bonjour Chloé", "Votre Škoda", "<p>Škoda</p>")
    finally:
        controller.stop()
    [(sender, recipients, raw)] = keeper.envelopes
    assert (sender, recipients) == ("club@harbour-motors.example", ["chloé@exemple.fr"])
    message = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))
    assert message["To"].addresses[0].addr_spec == "chloé@exemple.fr"
    assert "Subject: Bonjour Chloé".encode() in raw  # UTF-8 headers, as smtplib writes them
    assert "\r\n\r\nVotre Škoda\r\n".encode() in raw  # the text as it is, 8bit


def test_an_address_beyond_ascii_is_refused_before_sending_when_the_server_cannot_take_it():
    controller, keeper, port = _server(smtputf8=False)
    try:
        mailer = Mailer(SmtpBackend("127.0.0.1", port), SENDER, "owners.example")
        with pytest.raises(smtplib.SMTPNotSupportedError, match="SMTPUTF8"):
            mailer.send("chloé@exemple.fr", "Bonjour", "Votre Škoda")
        mailer.send("owner1@example.com", "Hello", "Your Škoda")  # the server serves on
    finally:
        controller.stop()
    assert [recipients for _, recipients, _ in keeper.envelopes] == [["owner1@example.com"]]


@pytest.mark.parametrize(
    "sender", ["", "Owners Club", "Owners Club <club@harbour-motors.example>\r\nBcc: x@y"]
)
def test_a_broken_sender_fails_each_message_not_the_making_of_the_mailer(sender):
    mailer = Mailer(backend=None, sender=sender, domain="owners.example")
    for _ in range(2):  # a failure is not remembered as a success
        with pytest.raises(ValueError):
            mailer.build("owner1@example.com", "Hi", "Hello")
