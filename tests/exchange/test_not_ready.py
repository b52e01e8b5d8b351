"""Right after ``intake-server init`` the exchange has no identity yet: the supervisor's
pages say so in words (Spanish first) and what to do, never the API's JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.auth import add_user
from intake_app.server.db import make_engine
from intake_app.server.setup import init_server

from .conftest import FAST_KDF, KEY_PASSPHRASE, PASSWORD


def test_pages_without_an_exchange_identity_are_worded(tmp_path):
    settings, keystore = init_server(tmp_path / "srv", db_url=None, passphrase=KEY_PASSPHRASE,
                                     admin_username="admin", admin_password=PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    try:
        add_user(engine, settings, "sup.uno", PASSWORD, "supervisor", actor="test")
        client = TestClient(create_app(settings, keystore, engine), follow_redirects=False)
        assert client.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD,
                                                    "next": "/exchange/"}).status_code == 303
        for path in ("/exchange/", "/exchange/received"):
            for lang, words in (("es", ("El intercambio aún no está listo", "intake-server exchange identity")),
                                ("en", ("Exchange is not ready", "intake-server exchange identity"))):
                r = client.get(path + ("?lang=en" if lang == "en" else ""))
                assert r.headers["content-type"].startswith("text/html"), (path, r.text)
                assert r.status_code in (200, 409), path
                if r.status_code == 409:
                    assert all(w in r.text for w in words), (path, lang)
                assert "exchange_identity_not_set" not in r.text
        assert client.get("/exchange/").status_code == 409
    finally:
        engine.dispose()
