"""Owners Club portal: the app factory."""

from pathlib import Path

from flask import Flask, jsonify, render_template, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from portal.config import Config


def create_app(config: type | dict | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints, error pages, commands."""
    from portal.templating import PortalEnvironment

    app = Flask(__name__, instance_path=str(_instance_path(config)))
    # Before anything asks for `app.jinja_env`, which is made on first use.
    app.jinja_environment = PortalEnvironment
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _instance_path(config) -> Path:
    """Where the SQLite file and outbox live: the config's INSTANCE_PATH or `instance/`."""
    from portal.config import INSTANCE_PATH

    chosen = config.get("INSTANCE_PATH") if isinstance(config, dict) else None
    chosen = chosen or getattr(config, "INSTANCE_PATH", None) or INSTANCE_PATH
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_config(app: Flask, config) -> None:
    """Defaults from `Config`, then `.env`/environment, then what the caller passed."""
    from dotenv import load_dotenv

    load_dotenv()
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)


def register_extensions(app: Flask) -> None:
    """Bind the extensions and tune the database engine."""
    from portal.cookie_session import KeptSessionInterface
    from portal.db import configure_engine, mark_reading_requests
    from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate
    from portal.security import register_security

    register_security(app)
    app.session_interface = KeptSessionInterface()
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # What keeps a stolen cookie out is the server-side login session it must name (see
    # `accounts.views.load_user`). Flask-Login's own protection would only mark sessions
    # "not fresh", which nothing here reads, and doing so rewrites an anonymous session on
    # the first request from a new address or browser: a request still carrying the cookie
    # from before sign-in (the favicon the login page asked for) would answer with it after
    # the sign-in had, and sign the person straight out again.
    login_manager.session_protection = None
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    mark_reading_requests(app)
    with app.app_context():
        configure_engine(db.engine)


def register_blueprints(app: Flask) -> None:
    """One blueprint per domain; the staff area gathers each domain's `admin.py`."""
    from portal import (
        accounts,
        charity,
        community,
        events,
        feedback,
        garage,
        home,
        notifications,
        pages,
        referrals,
        reminders,
        rewards,
        sections,
        servicelane,
        visits,
        web,
    )
    from portal import admin as admin_shell
    from portal.accounts import admin as accounts_admin
    from portal.charity import admin as charity_admin
    from portal.community import admin as community_admin
    from portal.dealership import admin as dealership_admin
    from portal.events import admin as events_admin
    from portal.events import attachments as event_attachments
    from portal.events import door as events_door
    from portal.events import messaging as events_messaging
    from portal.events import question_admin as events_questions
    from portal.events.feed_sources import install_feed_sources
    from portal.events.services.guests import install_guest_rsvp_listeners
    from portal.feedback import admin as feedback_admin
    from portal.imports import admin as imports_admin
    from portal.notifications.dispatch import install_attachments
    from portal.referrals import admin as referrals_admin
    from portal.referrals import prospects as referral_prospects
    from portal.reminders import admin as reminders_admin
    from portal.rewards import admin as rewards_admin
    from portal.servicelane import admin as servicelane_admin
    from portal.servicelane import capacity_pages as servicelane_capacity
    from portal.servicelane import messages as servicelane_messages
    from portal.visits import admin as visits_admin

    domains = (
        home,
        accounts,
        garage,
        reminders,
        notifications,
        events,
        servicelane,
        referrals,
        rewards,
        feedback,
        charity,
        community,
        visits,
    )
    for module in domains:
        app.register_blueprint(module.bp)
    staff_pages = (  # noqa: F841 - each module adds its pages to the staff blueprint
        admin_shell,
        accounts_admin,
        charity_admin,
        community_admin,
        dealership_admin,
        events_admin,
        events_door,
        events_messaging,
        events_questions,
        feedback_admin,
        imports_admin,
        referrals_admin,
        reminders_admin,
        rewards_admin,
        servicelane_admin,
        servicelane_capacity,
        visits_admin,
    )
    app.register_blueprint(web.admin_bp)
    sections.install(app, pages.PAGES)
    install_guest_rsvp_listeners(app, [referral_prospects.record_guest_rsvp])
    install_attachments(app, event_attachments.ATTACHMENTS | servicelane_messages.ATTACHMENTS)
    install_feed_sources(app, [servicelane_messages.FEED_SOURCE])

    @app.get("/healthz")
    def healthz():
        """JSON health check: 200 when the database answers, 503 when it does not."""
        from portal.extensions import db

        try:
            db.session.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any database failure is "unavailable"
            db.session.rollback()
            return jsonify(status="unavailable", database=type(error).__name__), 503
        return jsonify(status="ok", database="ok")


def register_template_helpers(app: Flask) -> None:
    """The dealership, unread count and date filters every template can use."""
    from portal import templating

    templating.register(app)


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the portal's look; JSON for clients that ask for it."""

    def render_error(error: HTTPException):
        from portal.extensions import db

        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=error.name), error.code
        template = f"errors/{error.code}.html"
        return render_template([template, "errors/generic.html"], error=error), error.code

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, render_error)

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        from portal.extensions import db
        from portal.limits import retry_after_seconds, wait_in_words

        db.session.rollback()
        seconds = retry_after_seconds(error)
        headers = {"Retry-After": str(seconds)}
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=error.name, retry_after=seconds), 429, headers
        page = render_template("errors/429.html", retry_in=wait_in_words(seconds))
        return page, 429, headers

    @app.errorhandler(500)
    def server_error(error):
        from portal.extensions import db

        db.session.rollback()
        return render_template("errors/500.html"), 500


def register_commands(app: Flask) -> None:
    """`flask create-user`, `flask seed-demo`, backups, the scheduled jobs, `check-deploy`."""
    from portal import backup, demo, deploy, jobs
    from portal.accounts import cli as accounts_cli
    from portal.charity.cli import charity_cli
    from portal.community.cli import community_cli
    from portal.reminders.cli import reminders_cli

    app.cli.add_command(accounts_cli.create_user)
    app.cli.add_command(deploy.check_deploy)
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(backup.backup_cli)
    app.cli.add_command(jobs.notify_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(charity_cli)
    app.cli.add_command(community_cli)
