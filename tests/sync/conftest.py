"""Fixtures for the device side of sync. All data is FICTIONAL (FICTICIO/DEMO names)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from intake_app.bundle import ServerKeys
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample
from tests.loopback import free_port  # noqa: F401  (tests import it from here)

from .helpers import MiniServer, enroll

DISTINCT_NAME = "Zelmira FICTICIA"
DISTINCT_SURNAME = "Quispealaya DEMO"
DISTINCT_DOC = "FICT-77Q4-ZZ19"


def distinctive_case() -> dict:
    rec = load_sample("intake-adult-woman")
    rec.update(given_names=DISTINCT_NAME, surnames=DISTINCT_SURNAME, document_number=DISTINCT_DOC)
    return rec


@pytest.fixture(scope="session")
def server_keys() -> ServerKeys:
    return ServerKeys.generate()


@pytest.fixture
def enrolled(vault, server_keys):
    enroll(vault, server_keys)
    return vault


@pytest.fixture
def mini(server_keys, enrolled) -> MiniServer:
    m = MiniServer(server_keys)
    m.enroll(enrolled)
    return m


@pytest.fixture
def stick(tmp_path) -> Path:
    p = tmp_path / "stick"
    p.mkdir()
    return p


@pytest.fixture
def second_vault(tmp_path):
    v = Vault.create(tmp_path / "home2", "oficial.segunda", PASSPHRASE)
    yield v
    v.close()


class LoopbackServer:
    """The real central server (intake_app.server) on 127.0.0.1, SQLite, in a thread."""

    def __init__(self, home: Path, port: int | None = None, start: bool = True) -> None:
        from intake_app.bundle.serverkeys import KdfParams
        from intake_app.server.app import create_app
        from intake_app.server.db import make_engine
        from intake_app.server.setup import init_server

        self.settings, self.keystore = init_server(
            home, db_url=None, passphrase="frase del operador ficticia", admin_username="admin",
            admin_password="clave-admin-ficticia-1", kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1))
        self.engine = make_engine(self.settings.db_url)
        self.app = create_app(self.settings, self.keystore, self.engine)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = None
        if start:
            self.start()

    def start(self) -> None:
        """Listen (the address answers from here on) and serve in a thread."""
        import uvicorn

        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)  # connections queue here until uvicorn accepts: no start-up race
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()

    @property
    def server_keys(self) -> ServerKeys:
        return self.keystore.keys()

    def enroll(self, vault) -> None:
        from intake_app.server import devices
        from intake_app.sync import enroll as enroll_mod

        devices.register_request(self.engine, enroll_mod.enrollment_request(vault, "cr_paso_canoas"), source="test")
        response = devices.approve(self.engine, self.keystore, vault.device_id, actor="test",
                                   lease_days=self.settings.lease_days)
        enroll_mod.apply_enrollment_response(vault, response, self.server_keys.public_info().fingerprint())

    def revoke(self, device_id: str) -> None:
        from intake_app.server import devices

        devices.revoke(self.engine, device_id, actor="test")

    def scalar(self, sql: str, **params):
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    def rows(self, sql: str, **params):
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).fetchall()

    def close(self) -> None:
        if self.thread is not None:
            self.server.should_exit = True
            self.thread.join(10)
            self.sock.close()
        self.engine.dispose()


@pytest.fixture
def real_server(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    srv = LoopbackServer(tmp_path / "srvhome")
    yield srv
    srv.close()
