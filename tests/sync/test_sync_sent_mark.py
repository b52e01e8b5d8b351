"""Online, a case shows "sent" only once its bundle went out: not when a proxy (or anything in
the server's place) answered 502, nor when the connection failed before the upload; yes when
the whole upload went out and its answer was lost (the server may hold it). A process that
dies between the upload and that mark still gets the receipt at the next sync. The real
server on 127.0.0.1 behind small proxies. FICTIONAL data only."""

from __future__ import annotations

import pytest

from intake_app.sync import DirectVaultCall, SyncService, outbox, push
from intake_app.sync.client import signed_client
from intake_app.sync.errors import ServerUnreachable
from tests.conftest import load_sample

from .test_online import CuttingProxy, Recorder
from .test_sync_forged_403 import ForgingProxy

BAD_GATEWAY = (502, "text/html", b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")


def _save(vault, n):
    for i in range(n):
        vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{i} FICTICIA"})


def _states(vault):
    return {r.sync_state for r in vault.list_cases()}


def _outbox(vault):
    return dict(vault.conn.execute("SELECT state, count(*) FROM sync_outbox GROUP BY state").fetchall())


def test_a_502_in_the_servers_place_is_not_sent(real_server, vault):
    real_server.enroll(vault)
    _save(vault, 3)
    proxy = ForgingProxy(real_server.port, lambda method, path: BAD_GATEWAY if method == "POST" else None)
    try:
        with pytest.raises(ServerUnreachable):
            push(vault, proxy.url, sleep=lambda s: None)
    finally:
        proxy.close()
    assert real_server.scalar("SELECT count(*) FROM revisions") == 0
    assert _states(vault) == {"pending"} and _outbox(vault) == {"built": 1}
    assert push(vault, real_server.url).revisions == 3  # and it goes next time


def test_the_service_does_not_mark_a_502_sent_either(real_server, vault):
    real_server.enroll(vault)
    _save(vault, 2)
    proxy = ForgingProxy(real_server.port, lambda method, path: BAD_GATEWAY if method == "POST" else None)
    rec = Recorder()
    svc = SyncService(DirectVaultCall(vault), proxy.url, on_status=rec.on_status, interval=3600, backoff_base=30)
    try:
        svc.start()
        rec.wait_for(lambda s: s and s[-1][0] == "offline")
    finally:
        svc.stop()
        proxy.close()
    assert _states(vault) == {"pending"}


def test_an_upload_whose_answer_was_lost_is_sent_and_delivered_next_time(real_server, vault):
    real_server.enroll(vault)
    _save(vault, 3)
    proxy = CuttingProxy(real_server.port, "response", cuts=10)  # every answer lost: the server has it
    try:
        with pytest.raises(ServerUnreachable):
            push(vault, proxy.url, sleep=lambda s: None)
    finally:
        proxy.close()
    assert real_server.scalar("SELECT count(*) FROM revisions") == 3
    assert _states(vault) == {"sent"} and _outbox(vault) == {"sent": 1}
    marks = vault.conn.execute("SELECT count(*) FROM audit WHERE action = 'sync_sent'").fetchone()[0]
    assert marks == 1  # four attempts, one mark
    push(vault, real_server.url)
    assert _states(vault) == {"delivered"}
    assert real_server.scalar("SELECT count(*) FROM revisions") == 3


def test_killed_between_the_upload_and_the_mark_the_receipt_still_comes(real_server, vault):
    real_server.enroll(vault)
    _save(vault, 2)
    outbox.prepare(vault)
    (item,) = outbox.outstanding(vault)
    with signed_client(vault, real_server.url) as client:
        client.post_bundle(item.bundle)  # stored by the server; the laptop "dies" before marking anything
    assert _outbox(vault) == {"built": 1}
    report = push(vault, real_server.url)
    assert item.sequence in report.delivered + report.already
    assert _states(vault) == {"delivered"} and real_server.scalar("SELECT count(*) FROM bundles") >= 1
    assert real_server.scalar("SELECT count(*) FROM revisions") == 2
