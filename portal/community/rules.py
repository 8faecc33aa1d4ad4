"""Announcement text as HTML (pure): plain text escaped into paragraphs, Markdown sanitised."""

from importlib.metadata import version

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

#: The only tags an announcement may produce, and their attributes.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

#: Names the renderer that stored an announcement's HTML. Raise the leading number when the
#: rules below change; the libraries' versions are part of it, so upgrading the Markdown
#: parser or the sanitiser (a security fix, say) marks every stored body as due again.
RENDERER_VERSION = f"1;markdown-it-py {version('markdown-it-py')};nh3 {version('nh3')}"

# CommonMark with raw HTML off: a <script> in the source comes out as text, not a tag.
_markdown = MarkdownIt("commonmark", {"html": False})


def paragraphs(text: str | None) -> Markup:
    """Plain text as escaped paragraphs: blank lines split them, single newlines break lines."""
    if not text:
        return Markup("")
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in blocks
        if block
    )


def sanitise(html: str) -> str:
    """Keep the small allow-list; links only to http(s) and mailto, opened safely."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown(text: str | None) -> Markup:
    """A safe subset of Markdown as sanitised HTML."""
    if not text:
        return Markup("")
    # Safe to mark: nh3 has just reduced it to the allow-list above.
    return Markup(sanitise(_markdown.render(text)))  # noqa: S704


def announcement_html(body: str, body_format: str) -> Markup:
    """An announcement's body, by the format its author chose."""
    return markdown(body) if body_format == "markdown" else paragraphs(body)
