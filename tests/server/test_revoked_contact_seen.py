"""A lost laptop, revoked: the office can tell whether it has been in contact since, and so
has locked its vault (operator guide walk-through). Its first online status read after the
revocation is audited ``revoked_device_contact``, its last contact moves, and ``device show``
says it has learned it, or not yet. FICTIONAL devices."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from intake_app.server import devices
from intake_app.server.models import AuditEntry
from intake_app.sync.client import SyncClient

from .test_cli_operator_errors import op
from .test_live import admin_headers, live  # noqa: F401 (a fixture: a real server on 127.0.0.1)


@pytest.fixture
def db_url(tmp_path):  # one database is enough for the words: SQLite
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def _contacts(srv, device_id: str) -> int:
    with srv.engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.action, AuditEntry.target)).all()
    return sum(1 for action, target in rows if action == "revoked_device_contact" and target == device_id)


def test_the_office_sees_that_a_revoked_laptop_has_learned_it(srv, live, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    httpx.post(f"{live.url}/api/v1/devices/{dev.device_id}/revoke", headers=admin_headers(live.url))
    code, out, _ = op(srv, tmp_path, "device", "show", dev.device_id)
    assert code == 0 and "no se ha comunicado con el servidor desde la revocación" in out
    assert _contacts(srv, dev.device_id) == 0

    for _ in range(2):  # the laptop's next contacts: it reads its status (and locks)
        with SyncClient(live.url).sign_as(dev.device_id, dev.keys) as client:
            client.status(dev.device_id)
    assert _contacts(srv, dev.device_id) == 1  # the first one after the revocation, once
    info = devices.device_info(srv.engine, dev.device_id)
    assert devices.learned_revocation(info)
    code, out, _ = op(srv, tmp_path, "device", "show", dev.device_id)
    assert code == 0 and "ya sabe que está revocado y su bóveda quedó bloqueada" in out
