"""Steps the browser tests share: signing in through the real form, fitting a phone."""

from tests.factories import TEST_PASSWORD

#: The phone the layout is checked on: an iPhone's 375 × 812 CSS pixels.
PHONE = {"width": 375, "height": 812}


def sign_in(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form as a person would; returns once the page moved on."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def fits_phone(page) -> None:
    """Nothing on the page makes a phone scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 375px phone"
