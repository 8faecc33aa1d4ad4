"""Unbound Flask extensions, bound to the app in `create_app`."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.models import Base


class PortalLoginManager(LoginManager):
    """Flask-Login's manager, without the work of a protection that is off.

    Flask-Login hashes the client's address and browser (SHA-512) on every request before it
    looks whether session protection is on; the portal turns it off (`create_app` says why),
    so that hash is skipped when it is off and worked out as before when it is on."""

    def _session_protection_failed(self) -> bool:
        if current_app.config.get("SESSION_PROTECTION", self.session_protection) not in (
            "basic",
            "strong",
        ):
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = PortalLoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
htmx = Htmx()
