"""The `axe_check` fixture itself: it fails on serious and critical violations, and only those."""

import pytest

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><title>Axe control</title></head><body>
<main><h1>Control</h1>{body}</main></body></html>"""


def test_serious_and_critical_violations_fail_the_check(browser_page, axe_check):
    browser_page.set_content(
        PAGE.format(body='<a href="/cars"></a><img src="car.png"><input type="text">')
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(browser_page)
    message = str(failure.value)
    for rule in ("link-name", "image-alt", "label"):  # serious, critical, critical
        assert rule in message


def test_minor_and_moderate_findings_do_not(browser_page, axe_check):
    # A skipped heading level (heading-order) and text outside any landmark (region).
    browser_page.set_content(PAGE.format(body="<h4>Skipped a level</h4>") + "<p>Outside</p>")
    axe_check(browser_page)
