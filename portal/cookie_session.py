"""Flask's signed session cookie, verified once per cookie rather than once per request.

Every request of a signed-in person carries the same session cookie until something in the
session changes (a sign-in, a flashed message, a new CSRF token). Flask's
`SecureCookieSessionInterface` builds a serializer, derives its key, checks the HMAC,
decodes the base64 and the tagged JSON again on each of them: about a third of a million
instructions, more than the page's own query of the user.

`KeptSessionInterface` is that interface, reading and writing the same cookies, with two
things kept per process:

- the serializer, per secret key (and fallback keys): built once, not per request;
- the contents of a cookie it has verified, by the cookie's exact text, with the moment it
  was signed. The same text again is the same signature over the same contents, so it needs
  no second check; its age is checked every time, so a cookie expires exactly as before.
  Only a session whose values are all plain (strings, numbers, booleans, None) is kept: a
  list or a dict in it (the flashed messages) could be changed in place by one request and
  would then leak into the next, so such a cookie is verified every time.

A cookie that fails its check is never kept, so a forged or altered cookie costs a full
check each time, exactly as before. The kept cookies are bounded (`KEPT_COOKIES`); when full
they are forgotten all at once and verified again as they come.
"""

from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

#: Cookies kept per process: some thousands of people signed in at once, a few hundred
#: bytes each.
KEPT_COOKIES = 20_000
#: The values a kept session may hold: immutable, so a copy of the dict is a true copy.
_PLAIN = (str, int, float, bool, type(None))


class KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, its serializer and verified cookies kept (see the
    module's notes)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}
        #: A signer of each serializer, whose clock (`get_timestamp`) ages the kept cookies
        #: as itsdangerous ages the others.
        self._signers: dict[URLSafeTimedSerializer, TimestampSigner] = {}
        #: (serializer, cookie text) -> (when it was signed, its contents).
        self._verified: dict[tuple[URLSafeTimedSerializer, str], tuple[int, dict]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._signers[serializer] = serializer.make_signer()
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        text = request.cookies.get(self.get_cookie_name(app))
        if not text:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._verified.get((serializer, text))
        if kept is not None:
            signed_at, data = kept
            # As itsdangerous checks it: whole seconds, neither too old nor from the future.
            age = self._signers[serializer].get_timestamp() - signed_at
            if 0 <= age <= max_age:
                return self.session_class(data)
            return self.session_class()
        try:
            data, signed = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if _is_plain(data):
            if len(self._verified) >= KEPT_COOKIES:
                self._verified.clear()
            self._verified[(serializer, text)] = (int(signed.timestamp()), data)
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A page view's usual end: the session was read, nothing in it changed, and no fresh
        # cookie is due. Flask would still work out the cookie's seven settings, then parse
        # `Vary` into werkzeug's `HeaderSet` and write it back, only to add "Cookie".
        if session and not session.modified and not self.should_set_cookie(app, session):
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)


def _is_plain(data: Any) -> bool:
    return isinstance(data, dict) and all(isinstance(value, _PLAIN) for value in data.values())
