"""Force the interleaving a concurrency control needs, instead of hoping a pause gives it.

A control test switches a protection off and shows the race then does harm. A `sleep()`
between the naive read and its write only usually lets another thread read in between;
on a busy machine the threads run one after the other and the control fails.
"""

import threading

#: Long enough for any machine; reaching it means the threads never overlapped at all.
TIMEOUT_SECONDS = 60


class Rendezvous:
    """The first `parties` threads to call `meet()` wait for one another; later ones pass.

    Called between a naive read and its write, it makes the first `parties` callers all
    read before any caller writes (a later caller reads after arriving here, so after
    them). A thread that waits past the timeout raises `threading.BrokenBarrierError`.
    """

    def __init__(self, parties: int):
        self._barrier = threading.Barrier(parties, timeout=TIMEOUT_SECONDS)
        self._places = parties
        self._lock = threading.Lock()

    def meet(self) -> None:
        """Wait here with the first arrivals; pass straight on once they have met."""
        with self._lock:
            if self._places == 0:
                return
            self._places -= 1
        self._barrier.wait()


def signed_in_sessions(live_session, owners, password: str) -> list:
    """One live-server session per owner, each signed in through the login form."""
    from concurrent.futures import ThreadPoolExecutor

    from portal.extensions import db

    emails = [owner.email for owner in owners]
    db.session.commit()  # SQLite: hold no write lock while the server works

    def sign_in(email):
        session = live_session()
        session.login(email, password)
        return session

    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(sign_in, emails))


def all_at_once(sessions, action) -> list:
    """Run `action(session)` in one thread per session, released together by a barrier."""
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(len(sessions))

    def run(session):
        barrier.wait()
        return action(session)

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(run, sessions))
