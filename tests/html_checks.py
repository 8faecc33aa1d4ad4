"""HTML checks for text staff and owners write: the tags a browser would parse, nothing live."""

from html.parser import HTMLParser


class TagCollector(HTMLParser):
    """Every start tag with its attributes, as the browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


def assert_no_live_user_markup(html: str) -> None:
    """No inline script, no hx-get, no event handler, no javascript: link anywhere."""
    for tag, attrs in parsed_tags(html):
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert "hx-get" not in attrs, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)
        assert tag not in ("img", "iframe", "div") or "onerror" not in attrs
