"""A TLS proxy that ``--trusted-proxy`` does not list (the commonest mistake: ``serve --host
0.0.0.0`` behind a proxy on another host, trusting only 127.0.0.1) is no longer silent: a
warning, Spanish then English and without the peer's address, says its ``X-Forwarded-*``
headers are ignored and how to fix it, once per peer; and a form refused as from another site
logs the origin received and the one expected, and what differs. Fictional users only."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from intake_app.logsetup import scrub

from .conftest import ADMIN_PASSWORD
from .live import answers

PROXY = "10.0.0.7"  # a proxy on another host of the office's network (fictional)
FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
LOGGER = "intake_app.server.same_origin"


def as_served(srv, peer: str, trusted: str, monkeypatch) -> TestClient:
    """The app as ``serve --trusted-proxy TRUSTED`` runs it (uvicorn's proxy headers outside), reached
    from PEER."""
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", trusted)  # what serve sets for its workers
    app = ProxyHeadersMiddleware(srv.app(), trusted_hosts=trusted)
    return TestClient(app, base_url="http://intake.example", client=(peer, 40000), raise_server_exceptions=False,
                      follow_redirects=False)


def warnings(caplog) -> list[str]:
    return [scrub(r.getMessage()) for r in caplog.records if r.name == LOGGER and "X-Forwarded" in r.getMessage()
            and r.levelno == logging.WARNING]


@pytest.fixture
def db_url(tmp_path):  # what is logged does not depend on the database
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def test_headers_from_an_untrusted_proxy_are_warned_about_once(srv, monkeypatch, caplog):
    client = as_served(srv, PROXY, "127.0.0.1", monkeypatch)
    for _ in range(3):
        assert answers(client.get("/api/v1/health", headers=FORWARDED))
    said = warnings(caplog)
    assert len(said) == 1, said  # once per peer, not once per request
    es, en = said[0].split(" / ", 1)
    assert "se ignoran las cabeceras X-Forwarded-*" in es and "--trusted-proxy <IP del proxy>" in es
    assert "are ignored" in en and "start serve with --trusted-proxy <the proxy's IP>" in en
    assert "de una red privada" in es and "on a private network" in en and "(127.0.0.1;" in en
    assert PROXY not in said[0] and "203.0.113.9" not in said[0]  # no address of anyone


@pytest.mark.parametrize("peer, trusted, headers", [
    (PROXY, PROXY, FORWARDED),  # the proxy listed: uvicorn used its headers
    (PROXY, "10.0.0.0/24", FORWARDED),
    ("127.0.0.1", "127.0.0.1", FORWARDED),  # the default: a proxy on this host
    (PROXY, "127.0.0.1", {}),  # no proxy headers at all (a laptop on the LAN)
])
def test_a_trusted_proxy_or_no_proxy_headers_say_nothing(srv, monkeypatch, caplog, peer, trusted, headers):
    client = as_served(srv, peer, trusted, monkeypatch)
    assert answers(client.get("/api/v1/health", headers=headers))
    assert warnings(caplog) == []


def test_a_refused_form_logs_the_origin_received_and_expected(srv, monkeypatch, caplog):
    client = as_served(srv, PROXY, "127.0.0.1", monkeypatch)  # the proxy's X-Forwarded-Proto ignored
    r = client.post("/dashboard/login", data={"username": "admin", "password": ADMIN_PASSWORD},
                    headers={**FORWARDED, "Origin": "https://intake.example:8443"})
    assert r.status_code == 403
    line = scrub(next(rec.getMessage() for rec in caplog.records
                      if rec.name == LOGGER and "cross-site POST" in rec.getMessage()))
    es, en = line.split(" / ", 1)
    assert "rechazado como de otro sitio" in es and "Origin recibido https://intake.example:8443" in es
    assert "esperado http://intake.example;" in es and "difiere: esquema, puerto" in es
    assert "cross-site POST to /dashboard refused" in en and "expected http://intake.example;" in en
    assert "differs: scheme, port" in en and "--trusted-proxy" in en and "$http_host" in en
