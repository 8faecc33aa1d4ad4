"""Events helpers: a browser-like session (cookies, CSRF) on the live server."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest


class LiveSession:
    """One browser-like session against the live server (stdlib only): cookies and CSRF."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = self.base_url + path  # always the loopback http:// live server
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, path: str = "/login") -> str:
        status, html = self.request(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        form = {"email": email, "password": password, "csrf_token": token}
        status, _ = self.request("/login", form)
        assert status == 303, status
        self.token = self.csrf_token("/events")

    def post(self, path: str, data: dict | None = None, htmx: bool = False):
        headers = {"X-CSRFToken": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request(path, dict(data or {}, csrf_token=self.token), headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def live_session(live_server):
    return lambda: LiveSession(live_server)
