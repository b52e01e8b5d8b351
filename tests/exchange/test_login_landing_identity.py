"""A supervisor who signs in before the server's exchange identity is set lands on the incoming
cases (which work meanwhile), not on the packages page's 409 "no está listo"; once it is set,
on the packages page as before. An analyst's landing is unchanged. Fictional users only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.auth import add_user
from intake_app.server.db import make_engine
from intake_app.server.exchange.registry import set_self_key
from intake_app.server.setup import init_server

from .conftest import FAST_KDF, KEY_PASSPHRASE, PASSWORD


def sign_in(client: TestClient, username: str, **extra) -> str:
    r = client.post("/exchange/login", data={"username": username, "password": PASSWORD, "next": "/exchange/",
                                             **extra})
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_sign_in_lands_on_the_incoming_cases_until_the_identity_is_set(tmp_path):
    settings, keystore = init_server(tmp_path / "srv", db_url=None, passphrase=KEY_PASSPHRASE,
                                     admin_username="admin", admin_password=PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    try:
        add_user(engine, settings, "sup.ficticia", PASSWORD, "supervisor", "eri", actor="test")
        add_user(engine, settings, "ana.ficticia", PASSWORD, "analyst", actor="test")
        app = create_app(settings, keystore, engine)
        client = TestClient(app, follow_redirects=False)
        assert sign_in(client, "sup.ficticia") == "/exchange/cases"
        assert client.get("/exchange/cases").status_code == 200  # works without the identity
        english = TestClient(app, follow_redirects=False)
        assert sign_in(english, "sup.ficticia", lang="en") == "/exchange/cases?lang=en"
        # an address the person asked for is kept as it was
        r = TestClient(app, follow_redirects=False).post(
            "/exchange/login", data={"username": "sup.ficticia", "password": PASSWORD, "next": "/exchange/received"})
        assert r.headers["location"] == "/exchange/received"
        assert sign_in(TestClient(app, follow_redirects=False), "ana.ficticia") == "/exchange/"

        set_self_key(engine, "cr_eri", actor="test")
        assert sign_in(TestClient(app, follow_redirects=False), "sup.ficticia") == "/exchange/"
    finally:
        engine.dispose()
