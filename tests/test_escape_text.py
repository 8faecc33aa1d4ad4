"""`escape_text`, the escaping of the markup pages draw in Python, is markupsafe's to the byte."""

import enum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from portal.templating import escape_text

TEXTS = [
    "",
    "plain",
    'Jane O\'Hara & "Co" <b>bold</b>',
    "&amp; already looks escaped &#39;",
    "<script>alert('x')</script>",
    "a\x00b",
    "tab\tnewline\nreturn\r",
    "Ελληνικά · 日本語 · 🚗",
    "><&'\"" * 7,
    "x" * 100_000 + "<&>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_is_escaped_as_markupsafe_escapes_it(text):
    escaped = escape_text(text)
    assert escaped == str(escape(text))
    assert type(escaped) is str


class Colour(enum.StrEnum):
    RED = "<red & 'hot'>"


@pytest.mark.parametrize("value", [Markup("<b>safe</b>"), 42, None, 1.5, Colour.RED], ids=repr)
def test_anything_else_is_left_to_markupsafe(value):
    # Safe markup is never escaped twice; numbers, None and a str enum read as escape has them.
    assert escape_text(value) == str(escape(value))
    assert escape_text(Markup("<b>safe</b>")) == "<b>safe</b>"


@given(st.text())
def test_any_text_is_escaped_as_markupsafe_escapes_it(text):
    assert escape_text(text) == str(escape(text))
