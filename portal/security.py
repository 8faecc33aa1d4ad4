"""Safe redirects, security headers, trusted proxies, bounded URLs and token helpers."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal.config import DEV_SECRET_KEY
from portal.db import DATABASE_INT_MAX

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: HSTS in production: browsers use https only, for a year, on every subdomain too.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def is_safe_next(target: str | None) -> bool:
    """True only for a same-site path: one leading slash, no scheme, no host, no backslash."""
    if not target or not target.startswith("/"):
        return False
    return not target.startswith("//") and not any(ch in target for ch in "\\\r\n\t")


def new_url_token() -> str:
    """A fresh URL-safe token carrying 256 bits from `secrets`."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of an access-granting token (SHA-256; tokens are high-entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(token: str, stored_hash: str) -> bool:
    """Compare a presented token with a stored hash in constant time."""
    return hmac.compare_digest(hash_token(token), stored_hash)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def sign(purpose: str, payload: Any) -> str:
    """A signed, timestamped token for one purpose (email verification, reset, consent)."""
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, max_age_seconds: int | None) -> Any | None:
    """The payload of a valid token for `purpose`, or None when forged or expired."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link to `endpoint` on the portal's configured address, for emails.

    Built from PORTAL_BASE_URL, never from the request: a Host header is whatever the
    client sent, and a reset link built from it would carry the token to another site.
    """
    app = current_app._get_current_object()
    base = urlsplit(app.config["PORTAL_BASE_URL"])
    adapter = app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def security_headers(production: bool) -> list[tuple[str, str]]:
    """The headers every response carries (HSTS in production only)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=()"),
    ]
    if production:
        headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return headers


class ResponseHeaders:
    """WSGI middleware: the headers every response carries, and `Vary: HX-Request` on every
    GET and HEAD (a page and its htmx fragment share a URL, so caches must key on that
    header), added as the response starts.

    A header the response set itself is kept (the charity widget's own `nosniff`, say); a
    `Vary` it has is extended. Done here rather than in an `after_request` hook: werkzeug's
    `Headers` spent about 0.2 million instructions a request on these six headers (each
    `setdefault` scans the headers, `Vary` is parsed and written back), a list costs a
    hundredth of that.
    """

    def __init__(self, wsgi_app: Callable, headers: list[tuple[str, str]]):
        self.wsgi_app = wsgi_app
        self.headers = [(name, value, name.lower()) for name, value in headers]

    def __call__(self, environ: dict, start_response: Callable):
        reading = environ.get("REQUEST_METHOD") in ("GET", "HEAD")

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = headers + [
                (name, value) for name, value, lower in self.headers if lower not in present
            ]
            if reading:
                _vary_on_htmx(headers, "vary" in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def _vary_on_htmx(headers: list[tuple[str, str]], has_vary: bool) -> None:
    if not has_vary:
        headers.append(("Vary", "HX-Request"))
        return
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            # `Vary: *` already varies on everything.
            if "hx-request" not in value.lower() and "*" not in value:
                headers[index] = (name, f"HX-Request, {value}")
            return


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in a URL: a number no database id can reach does not match (a 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=DATABASE_INT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def refuse_nul_in_url() -> None:
    """A NUL byte in the path or the query string is never meant: 400 before any query.

    Read from the URL as the request carries it, so a request parses nothing more for this
    check: the path as the server decoded it (where a route's arguments come from), and the
    query string before it is parsed, where `%00` is the only way to write a NUL."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    if "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query:
        abort(400)


def trust_proxies(app: Flask, hops: int) -> None:
    """Behind `hops` proxies, take the client, scheme and host from their X-Forwarded-* headers.

    With no hops configured the headers are ignored: anyone can send them.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_security(app: Flask) -> None:
    """Refuse the development key in production, trust proxies, bound URLs, add headers."""
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (
        None,
        "",
        DEV_SECRET_KEY,
    ):
        raise RuntimeError("Refusing to start in production with the development SECRET_KEY.")
    trust_proxies(app, app.config["PORTAL_PROXY_HOPS"] or 0)
    # Before any blueprint adds a rule, so every `<int:...>` uses it.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_nul_in_url)
    # Before CSRF protection reads the form, so the larger limit applies to that read too.
    app.before_request(raise_body_limit)
    app.wsgi_app = ResponseHeaders(
        app.wsgi_app, security_headers(app.config["ENV_NAME"] == "production")
    )


# --- Per-route body limits -------------------------------------------------------------
#: Endpoints that may receive a body larger than MAX_CONTENT_LENGTH, and the setting that
#: holds their own limit. Every other route keeps the small global limit.
LARGE_BODY_ENDPOINTS: dict[str, str] = {}


def allow_large_body(endpoint: str, setting: str) -> None:
    """Let `endpoint` receive a request body up to `app.config[setting]` bytes."""
    LARGE_BODY_ENDPOINTS[endpoint] = setting


def raise_body_limit() -> None:
    """Raise this request's body limit when its route is one allowed a larger body.

    Only for a signed-in user: a stranger's large body is refused before it is read.
    """
    setting = LARGE_BODY_ENDPOINTS.get(request.endpoint or "")
    if setting is not None and current_user.is_authenticated:
        request.max_content_length = current_app.config[setting]
