"""Text messages behind an interface; the default writes them to the outbox."""

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from portal import clock


class SmsBackend(Protocol):
    """Something that sends a text message or raises."""

    def send(self, to: str, body: str) -> None: ...


class OutboxSmsBackend:
    """Writes each text as a JSON file under `outbox/sms/`; no provider is reachable here."""

    def __init__(self, outbox: str | Path) -> None:
        self.folder = Path(outbox) / "sms"

    def send(self, to: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"to": to, "body": body, "at": clock.now().isoformat()}
        (self.folder / f"{uuid.uuid4().hex}.json").write_text(json.dumps(record))


def sms_from_config(config: Mapping) -> SmsBackend:
    """The SMS backend the configuration asks for."""
    if config["SMS_BACKEND"] == "outbox":
        return OutboxSmsBackend(config["MAIL_OUTBOX"])
    raise ValueError(f"Unknown SMS_BACKEND {config['SMS_BACKEND']!r}: only 'outbox' is built in.")
