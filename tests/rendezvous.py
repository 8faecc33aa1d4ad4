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
