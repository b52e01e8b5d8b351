"""Two real central servers (Costa Rica and Panama), each with its own home, SQLite
database and key file, made by the server's own ``init``; cases reach the Costa Rican one
through real signed bundles from a simulated field laptop. Every person is fictional
(FICTICIA / DEMO in names)."""

from __future__ import annotations

import hashlib
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from sqlalchemy import text  # noqa: E402

from intake_app.bundle.enrollment import make_enrollment_request, parse_and_verify_response  # noqa: E402
from intake_app.bundle.format import ZERO_HASH, build_bundle  # noqa: E402
from intake_app.bundle.keys import SigningKeys  # noqa: E402
from intake_app.bundle.serverkeys import KdfParams  # noqa: E402
from intake_app.codebook import load_codebook, validate_record  # noqa: E402
from intake_app.server import devices  # noqa: E402
from intake_app.server.auth import add_user  # noqa: E402
from intake_app.server.db import make_engine  # noqa: E402
from intake_app.server.exchange.registry import import_peer_key, set_self_key  # noqa: E402
from intake_app.server.ingest import Ingestor  # noqa: E402
from intake_app.server.setup import init_server  # noqa: E402
from intake_app.vault.cases import new_case_id, revision_hash  # noqa: E402

FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
KEY_PASSPHRASE = "frase del operador ficticia"
PASSWORD = "clave-ficticia-larga-1"


def utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def person(n: int = 0, *, recipients=("services", "other_country"), purposes=("services", "reporting"),
           status: str = "given", **extra) -> dict:
    """A valid fictional adult intake at Paso Canoas (CR)."""
    today = date.today()
    rec = {
        "record_date": (today - timedelta(days=30 + n % 200)).isoformat(),
        "border_post": "cr_paso_canoas", "institution": "eri", "interview_language": "es",
        "consent_checklist": ["purpose_explained", "data_use", "right_to_withdraw"],
        "consent_status": status,
        "given_names": f"María{n} FICTICIA", "surnames": "Prueba DEMO", "other_names": "La DEMO",
        "document_type": "passport", "document_number": f"DEMO-{100000 + n}",
        "birth_date": (today - timedelta(days=365 * 29 + n)).isoformat(), "phone": "+506 8888 0000",
        "gender": "female", "citizenship": "VE", "country_of_birth": "VE", "primary_language": "es",
        "needs_interpreter": False, "migration_status": "in_transit", "case_status": "active",
        "tr_acts": ["recruitment", "transportation"], "tr_means": ["deception"],
        "tr_purposes": ["forced_labour"], "tr_labour_industry": "a", "tr_control_methods": ["debt_bondage"],
        "tr_relationship": "acquainted", "tr_recruitment_country": "VE", "tr_exploitation_country": "CR",
        "narrative": "Relato FICTICIO de demostración: no corresponde a ninguna persona real.",
        "pn_no_shelter": True,
    }
    if status == "given":
        rec.update(consent_by="self", consent_purposes=list(purposes), consent_recipients=list(recipients))
    rec.update(extra)
    return validate_record(load_codebook("1.0"), {k: v for k, v in rec.items() if v is not None})


@dataclass
class Laptop:
    server: object
    device_id: str = field(default_factory=lambda: "lap-demo-" + uuid.uuid4().hex[:8])
    keys: SigningKeys = field(default_factory=SigningKeys.generate)
    info: object = None
    sequence: int = 0
    prev: bytes = ZERO_HASH
    heads: dict = field(default_factory=dict)

    def enroll(self) -> "Laptop":
        req = make_enrollment_request(device_id=self.device_id, device_keys=self.keys, post="cr_paso_canoas",
                                      officer_labels=["turno-demo"], created_at=utc())
        devices.register_request(self.server.engine, req, source="test")
        resp = devices.approve(self.server.engine, self.server.keystore, self.device_id, actor="test", lease_days=30)
        self.info = parse_and_verify_response(resp, device_id=self.device_id, device_public=self.keys.public()).server
        return self

    def save(self, contents: list[dict], case_ids: list[str] | None = None) -> list[str]:
        """Send these contents as new revisions (of new cases, or of ``case_ids``) in one bundle."""
        case_ids = case_ids or [new_case_id() for _ in contents]
        revs = []
        for cid, content in zip(case_ids, contents):
            parent = self.heads.get(cid)
            revs.append({"revision_id": uuid.uuid4().hex, "case_id": cid, "parent_id": parent,
                         "officer_id": "oficial.demo", "created_at": utc(), "codebook_version": "1.0",
                         "content": content, "content_hash": revision_hash(cid, parent, "1.0", content)})
            self.heads[cid] = revs[-1]["revision_id"]
        self.sequence += 1
        data = build_bundle(device_id=self.device_id, officer_ids=["oficial.demo"], sequence=self.sequence,
                            prev_hash=self.prev, created_at=utc(), codebook_versions=["1.0"], revisions=revs,
                            audit=[], device_keys=self.keys, server_hpke_public=self.info.hpke_public,
                            server_key_id=self.info.key_id)
        self.prev = hashlib.sha256(data).digest()
        Ingestor(self.server.engine, self.server.keystore).ingest(data, source="usb")
        return case_ids


@dataclass
class Server:
    name: str
    home: Path
    settings: object
    keystore: object
    engine: object
    identity: str

    def laptop(self) -> Laptop:
        return Laptop(self).enroll()

    def count(self, table: str, where: str = "") -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar_one()

    def audit_actions(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars())

    def key_file(self) -> bytes:
        return self.keystore.keys().public_info().to_bytes()

    def fingerprint(self) -> str:
        return self.keystore.keys().public_info().fingerprint()

    def trust(self, other: "Server", as_key: str | None = None) -> None:
        import_peer_key(self.engine, as_key or other.identity, other.key_file(), other.fingerprint(), actor="test")


def make_server(root: Path, name: str, identity: str, db_url: str | None = None) -> Server:
    """A server made by ``init`` under ``root/name``: on SQLite, or on the database ``db_url``."""
    home = root / name
    settings, keystore = init_server(home, db_url=db_url, passphrase=KEY_PASSPHRASE, admin_username="admin",
                                     admin_password=PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    set_self_key(engine, identity, actor="test")
    for user, role in (("sup.uno", "supervisor"), ("sup.dos", "supervisor"), ("analista", "analyst")):
        add_user(engine, settings, user, PASSWORD, role, actor="test")
    return Server(name, home, settings, keystore, engine, identity)


@pytest.fixture
def pair(tmp_path):
    """(CR server as the ERI, PA server as the UIA), each trusting the other's keys."""
    cr = make_server(tmp_path, "cr", "cr_eri")
    pa = make_server(tmp_path, "pa", "pa_uia")
    cr.trust(pa)
    pa.trust(cr)
    yield cr, pa
    cr.engine.dispose()
    pa.engine.dispose()


@pytest.fixture
def make_on_pg(tmp_path):
    """make(name, identity): a server on a new PostgreSQL database of its own, dropped afterwards."""
    from tests.pg import temp_databases

    made = []
    with ExitStack() as databases:
        def _make(name: str, identity: str) -> Server:
            (url,) = databases.enter_context(temp_databases(f"intake_xchg_{name}"))
            s = make_server(tmp_path, name, identity, db_url=url)
            made.append(s)
            assert s.engine.dialect.name == "postgresql"
            return s

        try:
            yield _make
        finally:  # before the databases are dropped
            for s in made:
                s.engine.dispose()


@pytest.fixture
def pg_pair(make_on_pg):
    """The ``pair`` on PostgreSQL: each server on a database of its own."""
    cr, pa = make_on_pg("cr", "cr_eri"), make_on_pg("pa", "pa_uia")
    cr.trust(pa)
    pa.trust(cr)
    return cr, pa


@pytest.fixture
def make(tmp_path):
    made = []

    def _make(name: str, identity: str) -> Server:
        s = make_server(tmp_path, name, identity)
        made.append(s)
        return s

    yield _make
    for s in made:
        s.engine.dispose()
