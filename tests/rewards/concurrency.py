"""Run a service call from many threads at once, each with its own app context and session."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import event

from portal.errors import ServiceError
from portal.extensions import db


def run_at_once(app, count: int, call: Callable[[int], object]) -> list[object]:
    """Start `count` threads together; each runs `call(i)` and commits (ServiceError: rollback).

    Returns each call's result, or the ServiceError it raised.
    """
    db.session.commit()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(count)

    def worker(index: int):
        with app.app_context():
            barrier.wait()
            try:
                result = call(index)
                db.session.commit()
                return result
            except ServiceError as error:
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(worker, range(count)))
    db.session.expire_all()
    return results


@contextmanager
def sqlite_without_begin_immediate():
    """Switch off SQLite's protection (BEGIN IMMEDIATE): statements then autocommit one by one.

    A no-op on PostgreSQL, where the unguarded code already races under READ COMMITTED.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        yield
        return
    listeners = list(engine.dispatch.begin)
    for listener in listeners:
        event.remove(engine, "begin", listener)
    engine.dispose()
    try:
        yield
    finally:
        for listener in listeners:
            event.listen(engine, "begin", listener)
        engine.dispose()
