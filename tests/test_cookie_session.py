"""The session cookie is verified once per cookie (`portal.cookie_session`), and reads and
refuses exactly what Flask's own signed cookie session reads and refuses."""

import time
from datetime import timedelta

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimedSerializer

from portal import cookie_session
from portal.cookie_session import KeptSessionInterface

NOW = 1_800_000_000  # seconds since the epoch, whole: cookies carry whole seconds


@pytest.fixture
def clock(monkeypatch):
    """`clock[0]` is what `time.time()` says, for itsdangerous and the kept cookies alike."""
    now = [float(NOW)]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "a secret for the session tests"
    app.permanent_session_lifetime = timedelta(days=30)
    app.session_interface = KeptSessionInterface()
    return app


@pytest.fixture
def checks(monkeypatch) -> list:
    """One entry per full check of a cookie's signature and contents."""
    seen = []
    loads = TimedSerializer.loads

    def counted(self, *args, **kwargs):
        seen.append(1)
        return loads(self, *args, **kwargs)

    monkeypatch.setattr(TimedSerializer, "loads", counted)
    return seen


def cookie_for(app: Flask, data: dict, interface=None) -> str:
    """The cookie `interface` (Flask's own by default) writes for a session holding `data`."""
    interface = interface or SecureCookieSessionInterface()
    return interface.get_signing_serializer(app).dumps(data)


def opened(app: Flask, text: str | None) -> dict:
    headers = {"Cookie": f"session={text}"} if text is not None else {}
    with app.test_request_context("/", headers=headers):
        return dict(session)


def test_a_cookie_is_checked_once_and_read_the_same_every_time(app, clock, checks):
    text = cookie_for(app, {"_user_id": "7:token", "_fresh": True, "count": 3})

    for _ in range(3):
        assert opened(app, text) == {"_user_id": "7:token", "_fresh": True, "count": 3}
    assert len(checks) == 1


def test_cookies_are_flasks_own_both_ways(app, clock):
    ours = app.session_interface
    text = cookie_for(app, {"_user_id": "7:token"}, interface=ours)

    stock = Flask(__name__)
    stock.secret_key = app.secret_key
    with stock.test_request_context("/", headers={"Cookie": f"session={text}"}):
        assert dict(session) == {"_user_id": "7:token"}
    assert opened(app, cookie_for(stock, {"csrf_token": "abc"})) == {"csrf_token": "abc"}


def test_no_cookie_an_empty_cookie_and_no_secret_key(app, clock):
    assert opened(app, None) == {}
    assert opened(app, "") == {}
    app.secret_key = None
    with app.test_request_context("/"):
        assert (
            app.session_interface.open_session(app, app.test_request_context("/").request) is None
        )


@pytest.mark.parametrize(
    "alter",
    [
        lambda text: text[:-1] + ("A" if text[-1] != "A" else "B"),  # the signature
        lambda text: ("f" if text[0] != "f" else "g") + text[1:],  # the contents
        lambda text: text.rsplit(".", 1)[0],  # no signature
        lambda text: text + "\x00",
        lambda text: text * 200,
    ],
)
def test_an_altered_cookie_is_refused_even_after_the_real_one_was_kept(app, clock, checks, alter):
    text = cookie_for(app, {"_user_id": "7:token"})
    assert opened(app, text) == {"_user_id": "7:token"}

    for _ in range(2):
        assert opened(app, alter(text)) == {}
    assert len(checks) == 3  # the real one once, the altered one each time


def test_a_kept_cookie_expires_when_flasks_would(app, clock, checks):
    text = cookie_for(app, {"_user_id": "7:token"})
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    assert opened(app, text) == {"_user_id": "7:token"}

    clock[0] = NOW + lifetime  # the last second it is good for
    assert opened(app, text) == {"_user_id": "7:token"}
    clock[0] = NOW + lifetime + 1
    assert opened(app, text) == {}
    clock[0] = NOW - 1  # the clock went back: signed "in the future", as itsdangerous says
    assert opened(app, text) == {}
    assert len(checks) == 1


def test_a_new_secret_key_refuses_a_kept_cookie_signed_with_the_old_one(app, clock):
    text = cookie_for(app, {"_user_id": "7:token"})
    assert opened(app, text) == {"_user_id": "7:token"}

    app.secret_key = "a new secret"
    assert opened(app, text) == {}
    app.config["SECRET_KEY_FALLBACKS"] = ["a secret for the session tests"]
    assert opened(app, text) == {"_user_id": "7:token"}


def test_a_session_holding_a_list_is_checked_every_time_and_never_shared(app, clock, checks):
    text = cookie_for(app, {"_flashes": [("info", "Saved.")], "_user_id": "7:token"})

    with app.test_request_context("/", headers={"Cookie": f"session={text}"}):
        session["_flashes"].append(("info", "changed in place"))
    assert opened(app, text) == {"_flashes": [("info", "Saved.")], "_user_id": "7:token"}
    assert len(checks) == 2


def test_a_changed_session_from_a_kept_cookie_is_written_afresh(app, clock):
    text = cookie_for(app, {"_user_id": "7:token"})
    opened(app, text)

    @app.get("/visit")
    def visit():
        session["seen"] = session.get("seen", 0) + 1
        return "ok"

    client = app.test_client()
    client.set_cookie("session", text)
    client.get("/visit")
    client.get("/visit")
    assert opened(app, client.get_cookie("session").value) == {"_user_id": "7:token", "seen": 2}


def test_the_kept_cookies_are_bounded(app, clock, checks, monkeypatch):
    monkeypatch.setattr(cookie_session, "KEPT_COOKIES", 3)
    texts = [cookie_for(app, {"n": n}) for n in range(5)]

    for text in texts:
        opened(app, text)
    assert len(app.session_interface._verified) <= 3
    for n, text in enumerate(texts):
        assert opened(app, text) == {"n": n}


def _ends(app: Flask, interface, text: str) -> list:
    """What each kind of view's response carries of the session: its Vary and its cookie."""
    app.session_interface = interface

    @app.get("/ends/<kind>")
    def ends(kind):
        headers = {"Vary": "Accept-Language"} if kind == "own-vary" else {}
        if kind == "vary-anything":
            headers = {"Vary": "*"}
        if kind in ("read", "own-vary", "vary-anything"):
            session.get("_user_id")
        elif kind == "permanent":
            session.permanent = True
        elif kind == "changed":
            session["seen"] = 1
        elif kind == "emptied":
            session.clear()
        return "ok", 200, headers

    client = app.test_client()
    client.set_cookie("session", text)
    seen = []
    for kind in ("read", "own-vary", "vary-anything", "untouched", "permanent", "changed"):
        response = client.get(f"/ends/{kind}")
        cookie = response.headers.get("Set-Cookie", "")
        seen.append((kind, response.headers.getlist("Vary"), cookie.split(";")[0] != ""))
        client.set_cookie("session", text)
    emptied = client.get("/ends/emptied")
    seen.append(("emptied", emptied.headers.getlist("Vary"), emptied.headers.get("Set-Cookie")))
    return seen


@pytest.mark.parametrize("refresh", [True, False])
def test_a_response_ends_as_flasks_own_interface_ends_it(clock, refresh):
    def fresh_app() -> Flask:
        app = Flask(__name__)
        app.secret_key = "a secret for the session tests"
        app.config["SESSION_REFRESH_EACH_REQUEST"] = refresh
        return app

    text = cookie_for(fresh_app(), {"_user_id": "7:token"})
    ours = _ends(fresh_app(), KeptSessionInterface(), text)
    assert ours == _ends(fresh_app(), SecureCookieSessionInterface(), text)
    # The usual page view: the cookie read, nothing written, the response varies on it.
    assert ours[0] == ("read", ["Cookie"], False)
    assert ours[1] == ("own-vary", ["Accept-Language, Cookie"], False)
