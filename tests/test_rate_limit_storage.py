"""With Redis as the rate-limit store, every host counts the same attempts."""

import socket
import uuid

import pytest

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import PortalClient

REDIS_URL = "redis://127.0.0.1:6379"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_two_hosts_share_login_limits_through_redis(tmp_path):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        INSTANCE_PATH=str(tmp_path),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    host_a = create_app(config)
    with host_a.app_context():
        db.create_all()
    host_b = create_app(config)
    host_a.test_client_class = host_b.test_client_class = PortalClient
    data = {"email": "someone@example.com", "password": "not the password"}
    statuses = []
    for attempt in range(6):
        host = host_a if attempt % 2 == 0 else host_b
        client = host.test_client()
        statuses.append(
            client.post("/login", data=data, environ_base={"REMOTE_ADDR": "10.1.0.1"}).status_code
        )
    assert statuses == [200, 200, 200, 200, 200, 429]
