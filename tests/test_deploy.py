"""`flask check-deploy` flags each problem of a bad configuration and passes a good one."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, TestConfig
from portal.deploy import ERROR, WARNING, deploy_problems

#: A production configuration a careful operator would sign off.
GOOD = {
    "ENV_NAME": "production",
    "SECRET_KEY": "Jm3v0tq8rZkz5Hc2Q9yWbXn4LpA7sEdGfUiRoTxC",
    "SESSION_COOKIE_SECURE": True,
    "DEBUG": False,
    "PORTAL_BASE_URL": "https://club.harbourside-motors.com",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db.internal/portal",
    "WEB_CONCURRENCY": 4,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
    "MAIL_BACKEND": "smtp",
    "MAIL_USERNAME": "club",
    "MAIL_USE_TLS": True,
    "MAIL_FROM": "Owners Club <club@harbourside-motors.com>",
    "PORTAL_PROXY_HOPS": 1,
    "PORTAL_BIND": "127.0.0.1:8000",
}


def flagged(**changes) -> set[tuple[str, str]]:
    return {(problem.level, problem.setting) for problem in deploy_problems({**GOOD, **changes})}


def test_a_good_configuration_has_no_problems():
    assert deploy_problems(GOOD) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SECRET_KEY": DEV_SECRET_KEY}, (ERROR, "SECRET_KEY")),
        ({"SECRET_KEY": "short-but-not-the-dev-key"}, (WARNING, "SECRET_KEY")),
        ({"PORTAL_BASE_URL": "http://club.harbourside-motors.com"}, (ERROR, "PORTAL_BASE_URL")),
        ({"PORTAL_BASE_URL": "https://127.0.0.1:8000"}, (ERROR, "PORTAL_BASE_URL")),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/p.sqlite3"}, (WARNING, "DATABASE_URL")),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, (ERROR, "RATELIMIT_STORAGE_URI")),
        ({"RATELIMIT_ENABLED": False}, (ERROR, "RATELIMIT_ENABLED")),
        ({"MAIL_BACKEND": "file"}, (ERROR, "MAIL_BACKEND")),
        ({"MAIL_USE_TLS": False}, (ERROR, "MAIL_USE_TLS")),
        ({"MAIL_FROM": "Owners Club <club@dealership.example>"}, (WARNING, "MAIL_FROM")),
        ({"PORTAL_PROXY_HOPS": None}, (ERROR, "PORTAL_PROXY_HOPS")),
        ({"PORTAL_BIND": "0.0.0.0:8000"}, (WARNING, "PORTAL_BIND")),
        ({"DEBUG": True}, (ERROR, "FLASK_DEBUG")),
        ({"ENV_NAME": "development"}, (ERROR, "PORTAL_ENV")),
        ({"SESSION_COOKIE_SECURE": False}, (ERROR, "SESSION_COOKIE_SECURE")),
    ],
)
def test_each_problem_is_flagged(changes, expected):
    assert flagged(**changes) == {expected}


def test_one_worker_may_keep_sqlite_and_in_memory_limits():
    one_host = {
        "WEB_CONCURRENCY": 1,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///instance/p.sqlite3",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    assert flagged(**one_host) == set()


def test_proxy_hops_are_asked_for_when_the_deployment_is_behind_a_proxy():
    # gunicorn on a unix socket: only a proxy on this host can reach it.
    assert flagged(PORTAL_PROXY_HOPS=None, PORTAL_BIND="unix:/run/portal.sock") == {
        (ERROR, "PORTAL_PROXY_HOPS")
    }
    # Clients connect to gunicorn directly, and the operator said so.
    assert flagged(PORTAL_PROXY_HOPS=0, PORTAL_BIND="0.0.0.0:8000") == set()


def _runner(**config):
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app = create_app(settings)
    app.config.update(config)
    return app.test_cli_runner()


def test_the_command_passes_a_good_configuration():
    result = _runner(**GOOD).invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output


def test_the_command_prints_each_problem_with_its_fix_and_fails(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")  # as `flask --debug` does
    bad = {
        **GOOD,
        "SECRET_KEY": DEV_SECRET_KEY,
        "PORTAL_BASE_URL": "http://127.0.0.1:5000",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///instance/portal.sqlite3",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "file",
        "PORTAL_PROXY_HOPS": None,
    }
    result = _runner(**bad).invoke(args=["check-deploy"])
    assert result.exit_code == 1
    for setting in (
        "SECRET_KEY",
        "PORTAL_BASE_URL",
        "DATABASE_URL",
        "RATELIMIT_STORAGE_URI",
        "MAIL_BACKEND",
        "PORTAL_PROXY_HOPS",
        "FLASK_DEBUG",
    ):
        assert f" {setting} " in result.output, setting
    assert result.output.count("Fix: ") == 7
    assert "6 errors and 1 warning: fix the errors before deploying." in result.output


def test_warnings_alone_let_a_deploy_through():
    result = _runner(**{**GOOD, "MAIL_FROM": "club@example.com"}).invoke(args=["check-deploy"])
    assert result.exit_code == 0
    assert "1 warning, no errors" in result.output


@pytest.mark.parametrize(("value", "hops"), [(None, None), ("", None), ("0", 0), ("2", 2)])
def test_proxy_hops_unset_is_not_the_same_as_zero(monkeypatch, value, hops):
    if value is None:
        monkeypatch.delenv("PORTAL_PROXY_HOPS", raising=False)
    else:
        monkeypatch.setenv("PORTAL_PROXY_HOPS", value)
    import portal.config

    try:
        reloaded = importlib.reload(portal.config)
        assert hops == reloaded.Config.PORTAL_PROXY_HOPS
    finally:
        monkeypatch.undo()
        importlib.reload(portal.config)


@pytest.mark.no_database
def test_the_served_app_freezes_what_it_made_at_start(tmp_path):
    """`wsgi.py` hands gunicorn an app whose start-up objects the garbage collector no
    longer walks (`gc.freeze`), and a new request's garbage is still collected."""
    project = Path(__file__).resolve().parent.parent
    probe = (
        "import gc, wsgi\n"
        "frozen = gc.get_freeze_count()\n"
        "class Cycle: pass\n"
        "a = Cycle(); a.me = a; del a\n"
        "print(frozen, gc.collect())\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "SECRET_KEY": "a-test-key-for-one-process",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, collected = map(int, done.stdout.split())
    assert frozen > 10_000
    assert collected >= 1
