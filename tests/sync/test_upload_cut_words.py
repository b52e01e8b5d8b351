"""``intake sync push`` when the status and receipts reads went through and then an upload was
cut: not "the server could not be reached, check the address". A small bundle leaves the laptop
whole at once (the socket takes it) even when the connection is cut before the server has it:
the cases show "sent", the words say they may not have arrived, and the next sync asks the
server and sends it again (docs/sync.md "States of a case"). The real server on 127.0.0.1
behind a proxy that cuts the uploads. FICTIONAL data only."""

from __future__ import annotations

from intake_app.sync import outbox
from intake_app.sync.client import SyncClient
from intake_app.sync.errors import ServerUnreachable
from tests.conftest import load_sample

from .test_cli import run
from .test_online import CuttingProxy


def _push(home, passphrase_file, url, *extra):
    return [*extra, "--home", home, "--passphrase-file", passphrase_file, "sync", "push", "--server", url]


def _states(vault):
    return {r.sync_state for r in vault.list_cases()}


def test_a_small_upload_cut_on_the_way_is_worded_as_such_and_sent_again(vault, home, passphrase_file,
                                                                         real_server, capsys, monkeypatch):
    from intake_app.sync import client as client_mod

    monkeypatch.setattr(client_mod, "backoff_delay", lambda *a, **k: 0.0)
    real_server.enroll(vault)
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    vault.close()
    proxy = CuttingProxy(real_server.port, "request", cuts=10)  # reads half, closes: never forwarded
    try:
        code, out, err = run(capsys, *_push(home, passphrase_file, proxy.url))
    finally:
        proxy.close()
    assert code != 0 and proxy.bundle_posts >= 1
    assert real_server.scalar("SELECT count(*) FROM revisions") == 0  # it never arrived
    assert "No se pudo contactar" not in err and "Revise la dirección" not in err, err
    assert "se cortó" in err and "puede que no haya llegado" in err and "lo envía de nuevo" in err, err
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        assert _states(v) == {"sent"}  # it left the laptop whole: "sent", not "delivered"
        assert {i.state for i in outbox.outstanding(v)} == {"sent"}  # still in the outbox (a stick gets it too)
    finally:
        v.close()
    code, out, err = run(capsys, *_push(home, passphrase_file, real_server.url))  # the next sync sends it again
    assert code == 0, err
    assert "1 lote entregado (1 revisión)" in out, out
    assert real_server.scalar("SELECT count(*) FROM revisions") == 1


def test_an_upload_cut_before_it_left_whole_says_so(vault, home, passphrase_file, real_server, capsys,
                                                     monkeypatch):
    from intake_app.sync import client as client_mod

    monkeypatch.setattr(client_mod, "backoff_delay", lambda *a, **k: 0.0)

    def cut(self, data):
        err = ServerUnreachable(reason="dropped")
        err.upload_out = False  # as SyncClient._request says for a body that did not go out whole
        raise err

    monkeypatch.setattr(SyncClient, "post_bundle", cut)
    real_server.enroll(vault)
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    vault.close()
    code, out, err = run(capsys, *_push(home, passphrase_file, real_server.url))
    assert code != 0
    assert "No se pudo contactar" not in err and "antes de salir entero" in err, err
    code, out, err = run(capsys, *_push(home, passphrase_file, real_server.url, "--lang", "en"))
    assert "before it had left this laptop whole" in err, err
