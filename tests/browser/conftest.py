"""Browser tests run on SQLite only.

A browser test walks a person's main path through the pages; what the pages show and do does
not depend on the database. What does (each query, write, race and limit behind those pages)
is tested on SQLite and on PostgreSQL by the tests of its own folder, so a second walk on
PostgreSQL would repeat the same clicks at the cost of a browser run each.
"""

import pytest


@pytest.fixture(params=["sqlite"])
def database(request) -> str:
    """This folder's tests run on SQLite (see above); every other app test runs on both."""
    return request.param
