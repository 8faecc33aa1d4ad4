"""Safe redirects, security headers and token helpers."""

import hashlib
import hmac
import secrets
from typing import Any

from flask import Flask, Response, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.config import DEV_SECRET_KEY

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


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


def add_security_headers(response: Response) -> Response:
    """Headers every response carries."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
    return response


def register_security(app: Flask) -> None:
    """Attach the header hook and refuse the development key outside development."""
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (
        None,
        "",
        DEV_SECRET_KEY,
    ):
        raise RuntimeError("Refusing to start in production with the development SECRET_KEY.")
    app.after_request(add_security_headers)
