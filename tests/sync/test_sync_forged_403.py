"""An unsigned ``403 {"code": "device_revoked"}`` (anything between the laptop and the server
can send one) never locks the vault by itself: the device asks the server's signed status
and locks only if it says revoked (docs/sync-protocol.md, "HTTP"). The real server on
127.0.0.1 behind a small forwarding proxy that forges answers. FICTIONAL data only."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from intake_app import i18n
from intake_app.sync import DirectVaultCall, SyncService, push
from intake_app.sync.errors import DeviceRevoked, RevocationUnconfirmed, ServerUnreachable
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

FORGED_403 = (403, "application/json", b'{"code": "device_revoked", "params": {"device_id": "x"}}')


class ForgingProxy:
    """Forwards to the server on ``backend_port``; ``forge(method, path)`` may return
    ``(status, content_type, body)`` (or extra headers as a 4th item) to answer instead."""

    def __init__(self, backend_port: int, forge=lambda method, path: None) -> None:
        self.forge = forge
        self.seen: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.seen.append((self.command, self.path))
                forged = outer.forge(self.command, self.path)
                if forged is not None:
                    status, kind, data, *extra = forged
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (extra[0] if extra else {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def proxied(real_server, vault):
    real_server.enroll(vault)
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    proxy = ForgingProxy(real_server.port)
    yield real_server, vault, proxy
    proxy.close()


def _not_locked(vault, home) -> None:
    assert vault.meta("sync.revoked") is None
    assert not vault.conn.execute("SELECT 1 FROM audit WHERE action = 'device_revoked'").fetchall()
    vault.close()
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()  # still opens


def test_a_forged_403_on_the_upload_does_not_lock(proxied, home):
    srv, vault, proxy = proxied
    proxy.forge = lambda method, path: FORGED_403 if method == "POST" else None
    with pytest.raises(RevocationUnconfirmed) as exc:
        push(vault, proxy.url, sleep=lambda s: None)
    assert isinstance(exc.value, ServerUnreachable)  # a network trouble: retried later
    # the signed status was asked after the forged answer, and said "active"
    assert [p for m, p in proxy.seen].count(f"/api/v1/devices/{vault.device_id}/status") == 2
    # nothing lost: it goes next time; not shown "sent" (something answered in the server's place)
    assert {r.sync_state for r in vault.list_cases()} == {"pending"}
    assert push(vault, srv.url).delivered == [1]
    _not_locked(vault, home)


def test_a_forged_403_on_every_read_does_not_lock(proxied, home):
    """No signed status can be read at all (the status read itself is forged)."""
    _, vault, proxy = proxied
    proxy.forge = lambda method, path: FORGED_403
    with pytest.raises(RevocationUnconfirmed):
        push(vault, proxy.url, sleep=lambda s: None)
    _not_locked(vault, home)


def test_a_real_revocation_behind_a_forged_upload_answer_still_locks(proxied, home):
    """The 403 is unsigned but true: the signed status confirms it, and the vault locks."""
    srv, vault, proxy = proxied

    def forge(method, path):
        if method == "POST":
            srv.revoke(vault.device_id)
            return FORGED_403
        return None

    proxy.forge = forge
    with pytest.raises(DeviceRevoked):
        push(vault, proxy.url, sleep=lambda s: None)
    assert vault.meta("sync.revoked") is not None
    vault.close()
    with pytest.raises(DeviceRevoked):
        Vault.open(home, "oficial.prueba", PASSPHRASE)


def test_the_service_keeps_going_after_a_forged_403(proxied, home):
    from .test_online import Recorder

    srv, vault, proxy = proxied
    proxy.forge = lambda method, path: FORGED_403 if method == "POST" else None
    rec = Recorder()
    svc = SyncService(DirectVaultCall(vault), proxy.url, on_status=rec.on_status, on_error=rec.on_error,
                      interval=3600, backoff_base=3600, backoff_max=3600)
    svc.start()
    try:
        rec.wait_for(lambda s: any(st == "offline" for st, _ in s))
        assert not any(st == "revoked" for st, _ in rec.states)
        assert [type(e) for e in rec.errors] == [RevocationUnconfirmed]
        proxy.forge = lambda method, path: None  # the network is honest again
        svc.network_changed(True)
        rec.wait_for(lambda s: s[-1][0] == "idle")
    finally:
        svc.stop()
    assert {r.sync_state for r in vault.list_cases()} == {"delivered"}
    _not_locked(vault, home)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_unconfirmed_revocation_is_worded(lang):
    text = i18n.describe_error(RevocationUnconfirmed(), lang)
    assert text != i18n.t("error.sync_server_unreachable", lang)
    assert ("no se bloqueó nada" if lang == "es" else "nothing was locked") in text
    assert "403" not in text and "device_revoked" not in text
