"""Reading calendar files the way a strict client would, apart from the library that writes them.

`strict_components` checks RFC 5545's line rules that lenient parsers forgive (CRLF endings,
75-octet lines folded with a space, `NAME;PARAM=...:value` content lines, balanced BEGIN and
END) and the portal's own promises (UTC times or all-day dates, never a TZID without its
VTIMEZONE); `with_ics_library` parses the file with the `ics` package, a second parser.
"""

import re
from dataclasses import dataclass, field

import ics

CONTENT_LINE = re.compile(
    r'^(?P<name>[A-Za-z0-9-]+)(?P<params>(;[A-Za-z0-9-]+=("[^"]*"|[^";:,]*)(,("[^"]*"|[^";:,]*))*)*)'
    r":(?P<value>.*)$"
)
UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")
DATE = re.compile(r"^\d{8}$")
#: Properties each VEVENT must carry exactly once (RFC 5545 3.6.1, with METHOD set).
REQUIRED_ONCE = ("UID", "DTSTAMP", "DTSTART")


@dataclass
class Component:
    """One component's properties: name -> [(params, value)]."""

    name: str
    properties: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    children: list["Component"] = field(default_factory=list)

    def one(self, name: str) -> tuple[str, str]:
        [found] = self.properties[name]
        return found

    def value(self, name: str) -> str:
        return self.one(name)[1]


def _unfolded(body: bytes) -> list[str]:
    assert body.endswith(b"\r\n"), "the file must end with CRLF"
    physical = body[:-2].split(b"\r\n")
    lines: list[str] = []
    for raw in physical:
        assert b"\n" not in raw and b"\r" not in raw, f"bare line break in {raw!r}"
        assert len(raw) <= 75, f"line longer than 75 octets: {raw!r}"
        text = raw.decode("utf-8")
        if text.startswith((" ", "\t")):
            assert lines, "a continuation line cannot come first"
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def strict_components(body: bytes) -> Component:
    """The VCALENDAR, checked line by line; raises AssertionError on the first fault."""
    stack: list[Component] = []
    root: Component | None = None
    for line in _unfolded(body):
        match = CONTENT_LINE.match(line)
        assert match, f"not a content line: {line!r}"
        name, params, value = match["name"].upper(), match["params"], match["value"]
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack and stack[-1].name == value.upper(), f"END:{value} does not close"
            stack.pop()
        else:
            assert stack, f"{name} outside any component"
            stack[-1].properties.setdefault(name, []).append((params, value))
    assert not stack, "unclosed component"
    assert root is not None and root.name == "VCALENDAR"
    assert root.value("VERSION") == "2.0" and root.value("PRODID")
    has_timezones = any(child.name == "VTIMEZONE" for child in root.children)
    for event in (child for child in root.children if child.name == "VEVENT"):
        _check_event(event, has_timezones)
    return root


def _check_event(event: Component, has_timezones: bool) -> None:
    for name in REQUIRED_ONCE:
        assert len(event.properties.get(name, [])) == 1, f"VEVENT needs exactly one {name}"
    assert UTC_TIME.match(event.value("DTSTAMP")), "DTSTAMP must be in UTC"
    for name in ("DTSTART", "DTEND"):
        for params, value in event.properties.get(name, []):
            assert "TZID" not in params or has_timezones, f"{name} has a TZID with no VTIMEZONE"
            if "VALUE=DATE" in params.upper():
                assert DATE.match(value), f"{name} is not a date: {value}"
            else:
                assert UTC_TIME.match(value), f"{name} is floating or local: {value}"


def events_of(root: Component) -> list[Component]:
    """The VEVENTs of a checked calendar, in file order."""
    return [child for child in root.children if child.name == "VEVENT"]


def with_ics_library(body: bytes) -> list[ics.Event]:
    """The file's events as the `ics` package reads them, by UID."""
    calendar = ics.Calendar(body.decode("utf-8"))
    return sorted(calendar.events, key=lambda event: event.uid)
