"""`flask check-deploy`: read the configuration as a careful operator would, say what to fix.

In the spirit of Django's `check --deploy`. Each problem names the setting, what goes wrong
with it, and the fix. An error exits non-zero, so the command can gate a deploy; a warning
is printed and lets it through.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.config import DEV_SECRET_KEY

ERROR, WARNING = "error", "warning"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
ALL_INTERFACES = {"", "0.0.0.0", "::"}  # noqa: S104 - names the risk, binds nothing
#: Reserved for documentation (RFC 2606): no mail provider accepts them as a sender.
EXAMPLE_DOMAINS = ("example", "example.com", "example.org", "example.net")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration, and what to do about it."""

    level: str
    setting: str
    message: str
    fix: str


def error(setting: str, message: str, fix: str) -> Problem:
    """A problem that must be fixed before deploying."""
    return Problem(ERROR, setting, message, fix)


def warning(setting: str, message: str, fix: str) -> Problem:
    """A problem worth knowing about that need not stop a deploy."""
    return Problem(WARNING, setting, message, fix)


def _secret_key(config: Mapping) -> Iterable[Problem]:
    key = config.get("SECRET_KEY") or ""
    if key in ("", DEV_SECRET_KEY):
        yield error(
            "SECRET_KEY",
            "is the development key: anyone who has read the source can forge sessions, "
            "sign-in links and password-reset links.",
            "set SECRET_KEY to a long random value, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, kept out of the "
            "repository.",
        )
    elif len(key) < 32:
        yield warning(
            "SECRET_KEY",
            f"is only {len(key)} characters long; a short key can be guessed.",
            "use at least 32 random characters (`secrets.token_urlsafe(48)`).",
        )


def _environment(config: Mapping) -> Iterable[Problem]:
    if config.get("ENV_NAME") != "production":
        yield error(
            "PORTAL_ENV",
            f"is {config.get('ENV_NAME')!r}: cookies are not marked Secure, browsers get no "
            "HSTS header and the development key is accepted.",
            "set PORTAL_ENV=production.",
        )
    elif not config.get("SESSION_COOKIE_SECURE"):
        yield error(
            "SESSION_COOKIE_SECURE",
            "is off: the sign-in cookie would also travel over plain http.",
            "remove SESSION_COOKIE_SECURE from the environment (production turns it on).",
        )
    if config.get("DEBUG"):
        yield error(
            "FLASK_DEBUG",
            "debug mode is on: an error would show the source code, and the debugger lets "
            "anyone who reaches it run code on the server.",
            "unset FLASK_DEBUG and never pass --debug in production.",
        )


def _base_url(config: Mapping) -> Iterable[Problem]:
    url = urlsplit(config.get("PORTAL_BASE_URL") or "")
    if url.scheme != "https":
        yield error(
            "PORTAL_BASE_URL",
            f"is {config.get('PORTAL_BASE_URL')!r}: links in the emails `flask notify run` "
            "sends would not use https.",
            "set PORTAL_BASE_URL to the https address owners use, e.g. "
            "https://club.dealership.example.",
        )
    elif url.hostname in LOOPBACK_HOSTS:
        yield error(
            "PORTAL_BASE_URL",
            "points at this machine: links in emails would lead owners nowhere.",
            "set PORTAL_BASE_URL to the public https address of the portal.",
        )


def _database_and_limits(config: Mapping) -> Iterable[Problem]:
    workers = config.get("WEB_CONCURRENCY") or 1
    if workers > 1 and str(config.get("SQLALCHEMY_DATABASE_URI")).startswith("sqlite"):
        yield warning(
            "DATABASE_URL",
            f"is SQLite with {workers} workers (WEB_CONCURRENCY): their writes take turns, "
            "and a second host cannot share the file.",
            "fine for one dealership on one host; for more traffic or several hosts, set "
            "DATABASE_URL=postgresql://… (pip install -e '.[postgres]').",
        )
    if not config.get("RATELIMIT_ENABLED", True):
        yield error(
            "RATELIMIT_ENABLED",
            "is off: password guessing and sign-up floods are unlimited.",
            "remove RATELIMIT_ENABLED from the environment.",
        )
    elif workers > 1 and str(config.get("RATELIMIT_STORAGE_URI")).startswith("memory://"):
        yield error(
            "RATELIMIT_STORAGE_URI",
            f"is memory:// with {workers} workers (WEB_CONCURRENCY): each worker counts on "
            f"its own, so every limit lets {workers} times as many attempts through, and a "
            "restart forgets them.",
            "run Redis and set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 "
            "(pip install -e '.[redis]'), or WEB_CONCURRENCY=1.",
        )


def _mail(config: Mapping) -> Iterable[Problem]:
    if config.get("MAIL_BACKEND") != "smtp":
        yield error(
            "MAIL_BACKEND",
            f"is {config.get('MAIL_BACKEND')!r}: emails (password resets, reminders, "
            "invitations) are written to files on this server and never sent.",
            "set MAIL_BACKEND=smtp with MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD "
            "and MAIL_USE_TLS=1.",
        )
        return
    if config.get("MAIL_USERNAME") and not config.get("MAIL_USE_TLS"):
        yield error(
            "MAIL_USE_TLS",
            "is off while signing in to the mail server: the password travels unencrypted.",
            "set MAIL_USE_TLS=1 (STARTTLS, usually on port 587).",
        )
    domain = parseaddr(config.get("MAIL_FROM") or "")[1].rpartition("@")[2].lower()
    if not domain or domain.endswith(EXAMPLE_DOMAINS):
        yield warning(
            "MAIL_FROM",
            f"is {config.get('MAIL_FROM')!r}: mail providers refuse or bin messages from a "
            "domain that is not the sender's.",
            "set MAIL_FROM to an address at the dealership's domain, with SPF and DKIM set up.",
        )


def _bind_hosts(bind: str) -> list[str | None]:
    """The host of each address gunicorn listens on; None for a unix socket."""
    hosts = []
    for address in bind.replace(",", " ").split():
        if address.startswith(("unix:", "fd://")):
            hosts.append(None)
        else:
            hosts.append(address.rpartition(":")[0].strip("[]") if ":" in address else address)
    return hosts


def _proxy(config: Mapping) -> Iterable[Problem]:
    hops = config.get("PORTAL_PROXY_HOPS")
    hosts = _bind_hosts(config.get("PORTAL_BIND") or "")
    local_only = bool(hosts) and all(host is None or host in LOOPBACK_HOSTS for host in hosts)
    https = urlsplit(config.get("PORTAL_BASE_URL") or "").scheme == "https"
    # gunicorn.conf.py serves plain http: with an https address, or listening only on this
    # host, requests reach the app through a proxy.
    reasons = []
    if local_only:
        reasons.append(f"gunicorn listens only on this host, at {config.get('PORTAL_BIND')}")
    if https:
        reasons.append("the portal's address is https while gunicorn serves plain http")
    if hops is None and reasons:
        yield error(
            "PORTAL_PROXY_HOPS",
            f"is unset while requests arrive through a proxy ({' and '.join(reasons)}): "
            "every visitor would share the proxy's rate-limit bucket, and links would say "
            "http.",
            "set PORTAL_PROXY_HOPS to the number of proxies in front (1 for one nginx or "
            "Caddy); set it to 0 only if clients connect to gunicorn directly.",
        )
    if hops and any(host in ALL_INTERFACES for host in hosts):
        yield warning(
            "PORTAL_BIND",
            f"is {config.get('PORTAL_BIND')} (every interface) while X-Forwarded-For is "
            "trusted: anyone who reaches gunicorn directly can pretend to be any address.",
            "listen on 127.0.0.1 or a unix socket behind the proxy, or firewall the port so "
            "only the proxy reaches it.",
        )


CHECKS: tuple[Callable[[Mapping], Iterable[Problem]], ...] = (
    _secret_key,
    _environment,
    _base_url,
    _database_and_limits,
    _mail,
    _proxy,
)


def deploy_problems(config: Mapping) -> list[Problem]:
    """Every problem with this configuration for a production deployment, errors first."""
    problems = [problem for check in CHECKS for problem in check(config)]
    return sorted(problems, key=lambda problem: problem.level != ERROR)


@click.command("check-deploy")
@with_appcontext
def check_deploy() -> None:
    """Check the configuration for production; exit 1 when something must be fixed first."""
    problems = deploy_problems(current_app.config)
    for problem in problems:
        click.echo(f"{problem.level.upper():<8}{problem.setting} {problem.message}")
        click.echo(f"{'':<8}Fix: {problem.fix}")
    errors = sum(problem.level == ERROR for problem in problems)
    warnings = _count(len(problems) - errors, "warning")
    if errors:
        click.echo(f"\n{_count(errors, 'error')} and {warnings}: fix the errors before deploying.")
        raise click.exceptions.Exit(1)
    if problems:
        click.echo(f"\n{warnings}, no errors: nothing stops this deploy.")
    else:
        click.echo("No problems found: this configuration is ready for production.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
