"""The hostile-input walker: crawl the pages a client can reach, submit every form with
hostile values, and report every answer of 500 or more.

Used by `tests/test_hostile_input.py`. It knows nothing about the portal's forms: it reads
the HTML the way a browser (or an attacker) does, so a new form is walked the day it ships.
"""

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, got_request_exception
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

# --- Hostile values ----------------------------------------------------------------------

HUGE = str(10**30)

#: A link to the portal written out in a page or an email, as people copy and paste them.
SHOWN_LINK = re.compile(r"http://localhost(/[^\s\"'<>]+)")

#: Each kind of hostile value, by the kind of field it goes into. A field type a kind does
#: not name gets an ordinary value, so the hostile one travels as far as the code lets it.
KINDS: dict[str, dict[str, str]] = {
    "nul": {
        "text": "Walk\x00test\x1b[31m",
        "number": "1\x00",
        "date": "2026-06-15\x00",
        "datetime": "2026-06-15T18:00\x00",
        "choice": "\x00",
    },
    "100 KB": {
        "text": "W" * 100_000,
        "number": "9" * 100_000,
        "date": "2" * 100_000,
        "datetime": "2" * 100_000,
    },
    "10^30": {"number": HUGE, "choice": HUGE},
    "-10^30": {"number": "-" + HUGE, "date": "-2026-03-01", "datetime": "-2026-03-01T10:00"},
    "2026-02-30": {"date": "2026-02-30", "datetime": "2026-02-30T10:00"},
    "far past": {"date": "0001-01-01", "datetime": "0001-01-01T00:00", "number": "-1"},
    "far future": {"date": "9999-12-31", "datetime": "9999-12-31T23:59"},
    "emoji and right-to-left": {
        "text": "🚗 Zoë 👨‍👩‍👧 مرحبا بالعالم \u202egnp.exe",
        "number": "٣",
        "date": "٢٠٢٦-٠٦-١٥",
    },
    "formula": {
        "text": "=cmd|' /C calc'!A0",
        "number": "=1+1",
        "date": "=NOW()",
        "datetime": "=NOW()",
        "choice": "=cmd|' /C calc'!A0",
    },
}

#: Kinds tried in query strings, and values tried as path arguments.
URL_KINDS = ("nul", "100 KB", "10^30", "-10^30", "emoji and right-to-left", "formula")
PATH_VALUES = (
    ("10^30", HUGE),
    ("-10^30", "-" + HUGE),
    ("nul", "walk%00"),
    ("100 KB", "9" * 10_000),
)

#: What a careful person would type, by input type.
ORDINARY = {
    "text": "Walk test",
    "email": "walker@example.com",
    "tel": "+1 202 555 0100",
    "url": "https://example.org/walk",
    "password": "walk-test-passphrase",
    "number": "1",
    "date": "2026-06-15",
    "datetime": "2026-06-15T18:00",
    "time": "10:00",
}

TEXT_INPUTS = {"text", "email", "tel", "url", "search", "password", "hidden", "textarea"}
#: Which hostile value an input type takes (text inputs take "text", choices "choice").
FIELD_KIND = {
    "number": "number",
    "range": "number",
    "date": "date",
    "month": "date",
    "datetime-local": "datetime",
}

# --- Reading pages -----------------------------------------------------------------------


@dataclass
class Field:
    """One named input, text area or select of a form, as the page renders it."""

    name: str
    type: str  # input type, or "textarea" / "select"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    """A form: where it goes, its fields, its named submit buttons, whether htmx sends it."""

    method: str
    action: str
    htmx: bool
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class PageReader(HTMLParser):
    """The links and forms of one page, as a browser would see them."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        for attribute in ("href", "hx-get"):
            if attribute in attrs:
                self.links.append(attrs[attribute])
        if tag == "form":
            target = attrs.get("action") or attrs.get("hx-post") or attrs.get("hx-get")
            self._form = Form(
                method=(attrs.get("method") or "get").upper(),
                action=target or self.page_url,
                htmx=any(name.startswith("hx-") for name in attrs),
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
        elif self._form is not None:
            self._form_element(tag, attrs)

    def _form_element(self, tag: str, attrs: dict[str, str]) -> None:
        name = attrs.get("name", "")
        kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
        if tag in ("input", "button") and kind in ("submit", "image"):
            self._form.buttons.append((name, attrs.get("value", "")))
        elif not name or tag == "button" or kind in ("button", "reset"):
            return
        elif tag == "input":
            self._form.fields.append(Field(name, kind, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(name, "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(name, "select")
            self._form.fields.append(self._select)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# --- Filling forms -----------------------------------------------------------------------


def _ordinary(item: Field) -> str:
    """What a careful person would put in this field."""
    if item.type in ("checkbox", "radio"):
        return item.value or "y"
    if item.type == "select":
        choices = [option for option in item.options if option] or item.options
        return choices[0] if choices else ""
    if item.type == "hidden":
        return item.value
    if item.type == "datetime-local":
        return ORDINARY["datetime"]
    return ORDINARY.get(item.type, ORDINARY["text"])


def form_data(
    form: Form, kind: str, csrf_token: str, button: int, upload: bytes
) -> tuple[dict, dict]:
    """(fields, files) for one submission of `form` with the `kind` of hostile values;
    `upload` is an ordinary file for file inputs."""
    values = KINDS[kind]
    data: dict[str, list[str]] = defaultdict(list)
    files = {}
    radios_done: set[str] = set()
    for item in form.fields:
        if item.name.endswith("csrf_token"):  # forms with a prefix name it `prefix-csrf_token`
            data[item.name] = [csrf_token]
            continue
        if item.type == "file":  # an ordinary file with a hostile last line and name
            text = values.get("text", "")
            content = upload + text.encode()
            files[item.name] = (BytesIO(content), f"walk{text[:40]}.csv")
            continue
        if item.type == "radio":
            if item.name in radios_done:
                continue
            radios_done.add(item.name)
        if item.type in TEXT_INPUTS:
            value = values.get("text")
        elif item.type in ("select", "radio", "checkbox"):
            value = values.get("choice")
        else:
            value = values.get(FIELD_KIND.get(item.type, "text"))
        if value is None:
            value = _ordinary(item)
        data[item.name].append(value)
    if form.buttons:
        name, value = form.buttons[button % len(form.buttons)]
        if name:
            data[name].append(value)
    return dict(data), files


# --- Walking -----------------------------------------------------------------------------

REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Failure:
    """An answer of 500 or more: who asked, what, with which kind of value, and why."""

    role: str
    endpoint: str
    kind: str
    method: str
    url: str
    status: int
    error: str

    def __str__(self) -> str:
        return (
            f"{self.role}: {self.method} {self.url[:120]} with {self.kind!r} -> "
            f"{self.status} ({self.error})"
        )


@dataclass
class Walker:
    """Walks one app as several clients in turn, collecting every answer of 500 or more.

    Each endpoint's query string and path arguments, and each form (by the endpoint it posts
    to), get their hostile values once, from the first client that reaches them.
    """

    app: Flask
    failures: list[Failure] = field(default_factory=list)
    requests: int = 0
    #: "METHOD endpoint" of every form walked, and the endpoints given hostile URLs.
    forms_walked: set[str] = field(default_factory=set)
    urls_walked: set[str] = field(default_factory=set)
    #: Values seen for each URL argument name (`event_id`, `code`, ...), to fill routes with.
    seen_args: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    skip_endpoints: frozenset[str] = frozenset({"static", "accounts.logout"})
    #: What file inputs get, before the hostile part (a file the portal would accept).
    upload: bytes = b"name,email\nWalk Test,walker@example.com\n"

    def __post_init__(self) -> None:
        self._errors: list[str] = []
        self._adapter = self.app.url_map.bind("localhost")
        self._rng = random.Random(2026)

        def remember(sender, exception, **extra):
            self._errors.append(f"{type(exception).__name__}: {exception}"[:300])

        self._remember = remember  # the signal keeps only a weak reference
        got_request_exception.connect(remember, self.app)

    def walk(self, client, role: str, start: list[str], keep_role) -> None:
        """Everything the walk does as one client; `keep_role(response)` runs after each
        request to undo a sign-in or sign-out a form caused."""
        counts = defaultdict(int)
        pages = self.crawl(client, role, start, 2, keep_role, counts)
        routes = self.routes_with_seeded_arguments()
        pages += self.crawl(client, role, routes, 1, keep_role, counts, follow=False)
        for kind, url in self.hostile_urls(pages):
            self.request(client, role, kind, "GET", url, keep_role)
        self.submit_all(client, role, self.new_forms(pages), keep_role)
        # Again, after the hostile submissions: stored values must still render, and the
        # pages now offer forms they did not before (undo a snooze, apply an import).
        pages = self.crawl(client, role, start, 1, keep_role, defaultdict(int))
        self.submit_all(client, role, self.new_forms(pages), keep_role)

    def endpoint_of(self, url: str, method: str = "GET") -> tuple[str | None, dict]:
        try:
            return self._adapter.match(urlsplit(url).path, method=method)
        except RequestRedirect as redirect:
            return self.endpoint_of(redirect.new_url, method)
        except HTTPException:
            return None, {}

    def request(self, client, role: str, kind: str, method: str, url: str, after, **kwargs):
        """One request; an answer of 500 or more (or a crash mid-download) is a failure."""
        self.requests += 1
        self._errors.clear()
        response = client.open(url, method=method, **kwargs)
        status = response.status_code
        try:
            response.get_data()  # a streamed download (CSV) can fail half-way through
        except Exception as error:  # noqa: BLE001 - any crash while streaming is a finding
            status = 500
            self._errors.append(f"while streaming: {type(error).__name__}: {error}"[:300])
        finally:
            response.close()  # ends a streamed response's request context
        if status >= 500:
            endpoint, _ = self.endpoint_of(url, method)
            error = self._errors[-1] if self._errors else "no exception recorded"
            self.failures.append(Failure(role, endpoint or "?", kind, method, url, status, error))
        after(response)
        return response

    # Reading the site

    def crawl(self, client, role, start, per_endpoint, after, counts, follow=True) -> list:
        """(url, PageReader) of the pages at `start` and, when `follow`ing, those reachable
        from them by links; at most `per_endpoint` URLs of each endpoint (`counts`)."""
        queue, seen, pages = list(start), set(), []
        while queue:
            url = queue.pop(0).split("#")[0]
            if not url.startswith("/") or url.startswith("//") or url in seen:
                continue
            seen.add(url)
            endpoint, args = self.endpoint_of(url)
            for name, value in args.items():
                self.seen_args[name].add(value)
            if endpoint in self.skip_endpoints or counts[endpoint] >= per_endpoint:
                continue
            counts[endpoint] += 1
            response = self.request(client, role, "link", "GET", url, after)
            if response.status_code in REDIRECTS and follow:
                target = urlsplit(response.headers["Location"])
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            reader = PageReader(url)
            reader.feed(html)
            pages.append((url, reader))
            if follow:
                queue.extend(reader.links)
                queue.extend(SHOWN_LINK.findall(html))  # shown to copy, like an invite link
        return pages

    def routes_with_seeded_arguments(self) -> list[str]:
        """Every GET route, its arguments filled with values seen in links so far."""
        urls = []
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in self.skip_endpoints:
                continue
            values = {
                name: min(self.seen_args.get(name) or {"walk-token"}, key=str)
                for name in rule.arguments
            }
            try:
                urls.append(self._adapter.build(rule.endpoint, values, append_unknown=False))
            except ValueError:  # an id no page linked to yet
                continue
        return urls

    def hostile_urls(self, pages: list) -> list[tuple[str, str]]:
        """(kind, url): each new endpoint's page with its query arguments (and page
        numbers) set to one kind of hostile value, and each new GET route with hostile path
        arguments; the kinds are drawn with a fixed seed."""
        urls = []
        for url, _reader in pages:
            endpoint, _ = self.endpoint_of(url)
            if endpoint in self.urls_walked:
                continue
            self.urls_walked.add(endpoint)
            parts = urlsplit(url)
            names = {name for name, _ in parse_qsl(parts.query)} | {"page", "per_page"}
            kind = self._rng.choice(URL_KINDS)
            value = KINDS[kind].get("number") if "^" in kind else KINDS[kind]["text"]
            urls.append((kind, f"{parts.path}?{urlencode(dict.fromkeys(names, value))}"))
        for rule in self.app.url_map.iter_rules():
            path_key = "path " + rule.endpoint
            if "GET" not in rule.methods or not rule.arguments or path_key in self.urls_walked:
                continue
            if rule.endpoint == "static":
                continue
            self.urls_walked.add(path_key)
            kind, value = self._rng.choice(PATH_VALUES)
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            urls.append((kind, path))
        return urls

    # Submitting

    def new_forms(self, pages: list) -> list[Form]:
        """The forms on these pages whose (method, endpoint) no client has walked yet."""
        chosen = []
        for _url, reader in pages:
            for form in reader.forms:
                endpoint, _ = self.endpoint_of(form.action, form.method)
                key = f"{form.method} {endpoint}"
                if endpoint is None or endpoint in self.skip_endpoints or key in self.forms_walked:
                    continue
                self.forms_walked.add(key)
                chosen.append(form)
        return chosen

    def submit_all(self, client, role: str, forms: list[Form], after) -> None:
        """Each form once per kind of hostile value; htmx and plain posts alternate.

        A kind with nothing to fill in a form (a date on a form without dates) would send
        what an earlier kind sent: that submission is left out.
        """
        sent = defaultdict(set)
        for number, kind in enumerate(KINDS):
            for index, form in enumerate(forms):
                data, files = form_data(
                    form, kind, client.csrf_token(), button=number, upload=self.upload
                )
                signature = repr(sorted((k, v) for k, v in data.items() if "csrf" not in k))
                signature += repr({name: file.getvalue() for name, (file, _n) in files.items()})
                if signature in sent[index]:
                    continue
                sent[index].add(signature)
                headers = {"HX-Request": "true"} if form.htmx and number % 2 else {}
                if form.method == "GET":
                    options = {"query_string": data}
                else:
                    options = {"data": {**data, **files}}
                self.request(
                    client, role, kind, form.method, form.action, after, headers=headers, **options
                )
