"""Settings read from the environment (and `.env` in development)."""

import os
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused outside development

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("PORTAL_INSTANCE_PATH", PROJECT_ROOT / "instance"))


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver, whatever spelling they came in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int_or_none(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


class Config:
    """Production-safe defaults; every value can come from the environment."""

    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'portal.sqlite3'}")
    )
    #: No `pool_pre_ping`: its `SELECT 1` costs a round trip per request on PostgreSQL, where
    #: `portal.db` finds connections the server closed without one; SQLite files stay open.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    PORTAL_DEALERSHIP_NAME = os.environ.get("PORTAL_DEALERSHIP_NAME", "Harbourside Motors")
    PORTAL_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "America/New_York")
    PORTAL_PHONE_REGION = os.environ.get("PORTAL_PHONE_REGION", "US")
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    #: How many proxies (nginx, a load balancer) stand in front of the app and add
    #: X-Forwarded-For/-Proto/-Host. 0 or unset: the headers are ignored, as anyone can send
    #: them; unset also means nobody said, which `flask check-deploy` asks about.
    PORTAL_PROXY_HOPS = _int_or_none("PORTAL_PROXY_HOPS")

    # Serving: gunicorn.conf.py reads these, and `flask check-deploy` judges them.
    PORTAL_BIND = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "2"))
    FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

    # OWASP minimum for scrypt: N=2^17, r=8, p=1.
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # noqa: S105 - a method, not a password

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")  # file | smtp
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Owners Club <club@dealership.example>")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(INSTANCE_PATH / "outbox"))
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "outbox")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)

    # Uploads (drive covers) are at most 2 MB; a request carrying one fits in 3 MB.
    # Anything larger is refused with a 413 before the body is read.
    MAX_CONTENT_LENGTH = 3 * 1024 * 1024
    # The DMS import alone takes larger files: a 50,000-owner export is about 4.6 MB.
    PORTAL_IMPORT_MAX_BYTES = int(os.environ.get("PORTAL_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    # A visit's photos and clips: where they are kept (default: instance/visit-media), each
    # photo's and each clip's limit, and the whole completed-visit form's limit.
    PORTAL_VISIT_MEDIA_FOLDER = os.environ.get(
        "PORTAL_VISIT_MEDIA_FOLDER", str(INSTANCE_PATH / "visit-media")
    )
    PORTAL_VISIT_PHOTO_MAX_BYTES = int(os.environ.get("PORTAL_VISIT_PHOTO_MAX_BYTES", 15 << 20))
    PORTAL_VISIT_VIDEO_MAX_BYTES = int(os.environ.get("PORTAL_VISIT_VIDEO_MAX_BYTES", 50 << 20))
    PORTAL_VISIT_UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_VISIT_UPLOAD_MAX_BYTES", 120 << 20))

    EMAIL_TOKEN_MAX_AGE = timedelta(days=2)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)


class TestConfig(Config):
    """A throwaway database, cheap hashing, no real mail; CSRF stays on."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - cheap hashing for tests
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
