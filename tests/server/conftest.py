"""Server fixtures, run on SQLite and on PostgreSQL.

PostgreSQL: one uniquely named database per test session on 127.0.0.1:5432 (trust auth,
user postgres), migrated once, emptied before each test, dropped at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from sqlalchemy import text  # noqa: E402

from intake_app.bundle.serverkeys import KdfParams  # noqa: E402
from intake_app.server import devices  # noqa: E402
from intake_app.server.auth import add_user  # noqa: E402
from intake_app.server.db import make_engine  # noqa: E402
from intake_app.server.keys import KeyStore  # noqa: E402
from intake_app.server.setup import init_server  # noqa: E402

from .devicesim import SimDevice  # noqa: E402
from tests.pg import empty_server_db as empty_pg, temp_databases  # noqa: E402,F401  (empty_pg: used by tests)

FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
KEY_PASSPHRASE = "frase del operador ficticia"
ADMIN_PASSWORD = "clave-admin-ficticia-1"
PASSWORD = "clave-ficticia-larga-1"


@pytest.fixture(scope="session")
def pg_url():
    with temp_databases("intake_srv_test") as (url,):
        from intake_app.server.migrate import upgrade

        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    url = request.getfixturevalue("pg_url")
    empty_pg(url)
    return url


@dataclass
class Srv:
    home: Path
    settings: object
    keystore: KeyStore
    engine: object
    db_url: str

    @property
    def kind(self) -> str:
        return self.engine.dialect.name

    def app(self):
        from intake_app.server.app import create_app

        return create_app(self.settings, self.keystore, self.engine)

    def client(self):
        from fastapi.testclient import TestClient

        return TestClient(self.app(), raise_server_exceptions=False)

    def enroll(self, device: SimDevice) -> SimDevice:
        devices.register_request(self.engine, device.enrollment_request(), source="test")
        device.accept_response(devices.approve(self.engine, self.keystore, device.device_id, actor="test",
                                               lease_days=self.settings.lease_days))
        return device

    def add_user(self, username: str, role: str, institution: str | None = None) -> str:
        add_user(self.engine, self.settings, username, PASSWORD, role, institution, actor="test")
        return PASSWORD

    def ingestor(self):
        from intake_app.server.ingest import Ingestor

        return Ingestor(self.engine, self.keystore)

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def srv(db_url, tmp_path):
    home = tmp_path / "srvhome"
    settings, keystore = init_server(home, db_url=db_url, passphrase=KEY_PASSPHRASE, admin_username="admin",
                                     admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    s = Srv(home, settings, keystore, engine, db_url)
    yield s
    engine.dispose()


@pytest.fixture
def device_factory():
    counter = iter(range(1, 10_000))

    def make(prefix: str = "lap-demo") -> SimDevice:
        return SimDevice(f"{prefix}-{next(counter):03d}")

    return make
