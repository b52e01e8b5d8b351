"""Dashboard fixtures: a real server (schema by its Alembic migrations) on SQLite and on
PostgreSQL, fictional cases written through the server's own ``write_facts`` (the ingest
transaction's last step, which calls the dashboard's rollup hook), users of every role.

PostgreSQL: one uniquely named database for this folder's session on 127.0.0.1:5432,
emptied before each test and dropped at the end. Every person is fictional (DEMO).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")


from intake_app.bundle.serverkeys import KdfParams  # noqa: E402
from intake_app.codebook import load_codebook  # noqa: E402
from intake_app.server.auth import add_user  # noqa: E402
from intake_app.server.db import make_engine, transaction  # noqa: E402
from intake_app.server.ingest import write_facts  # noqa: E402
from intake_app.server.setup import init_server  # noqa: E402
from tests.pg import empty_server_db as _empty_pg, temp_databases  # noqa: E402

FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)
PASSWORD = "clave-ficticia-larga-1"
TODAY = date(2026, 11, 20)


@pytest.fixture(scope="session")
def pg_dash_url():
    with temp_databases("intake_dash_test") as (url,):
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    url = request.getfixturevalue("pg_dash_url")
    _empty_pg(url)
    return url


@dataclass
class Dash:
    home: Path
    settings: object
    keystore: object
    engine: object

    @property
    def kind(self) -> str:
        return self.engine.dialect.name

    def load(self, contents: list[dict], prefix: str = "case") -> list[str]:
        """Write cases as ingest does (facts + the dashboard hook), one transaction."""
        heads = [{"case_id": f"{prefix}-{i:06d}", "revision_id": uuid.uuid4().hex, "codebook_version": "1.0",
                  "content": c} for i, c in enumerate(contents)]
        with transaction(self.engine) as conn:
            write_facts(conn, heads, datetime.now(timezone.utc))
        return [h["case_id"] for h in heads]

    def add_user(self, username: str, role: str) -> None:
        add_user(self.engine, self.settings, username, PASSWORD, role, None, actor="test")

    def app(self):
        from intake_app.server.app import create_app

        return create_app(self.settings, self.keystore, self.engine)

    def client(self, role: str | None = "analyst"):
        """A TestClient signed in through the dashboard's login form (None: anonymous)."""
        from fastapi.testclient import TestClient

        client = TestClient(self.app(), raise_server_exceptions=False)
        if role is not None:
            name = f"{role}-demo"
            try:
                self.add_user(name, role)
            except Exception:
                pass
            r = client.post("/dashboard/login", content=f"username={name}&password={PASSWORD}&next=/dashboard/",
                            headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
            assert r.status_code == 303, r.text
        return client


@pytest.fixture
def dash(db_url, tmp_path):
    home = tmp_path / "srvhome"
    settings, keystore = init_server(home, db_url=db_url, passphrase="frase del operador ficticia",
                                     admin_username="admin", admin_password="clave-admin-ficticia-1", kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    yield Dash(home, settings, keystore, engine)
    engine.dispose()


# --- fictional people -------------------------------------------------------------
def person(sex_age: str = "woman", *, nat: str = "VE", post: str = "cr_paso_canoas", day: str = "2026-02-10",
           **extra) -> dict:
    """A minimal valid fictional intake of a woman/man/girl/boy."""
    cb = load_codebook()
    minor = sex_age in ("girl", "boy")
    country = cb.vocab("border_posts").get(post).attrs["country"]
    rec = {"record_date": day, "border_post": post, "institution": "eri" if country == "CR" else "uia",
           "interview_language": "es", "given_names": "Persona DEMO", "surnames": "FICTICIA",
           "gender": "female" if sex_age in ("woman", "girl") else "male", "citizenship": nat,
           "age_estimate": 10 if minor else 30, "case_status": "active", "consent_status": "given",
           "consent_by": "guardian" if minor else "self", "consent_purposes": ["services", "reporting"],
           "consent_recipients": ["services"],
           "consent_checklist": [t.code for t in cb.vocab("consent_checklist").terms]}
    if minor:
        rec["accompaniment"] = "accompanied"
        rec["guardian_name"] = "Tutora DEMO"
    rec.update(extra)
    return rec


def people(n: int, sex_age: str = "woman", **kw) -> list[dict]:
    return [person(sex_age, **kw) for _ in range(n)]
