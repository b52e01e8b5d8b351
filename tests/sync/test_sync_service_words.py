"""The background service's state words are true (docs/sync.md "Online"): a cycle cut short by
pause() or by the network going away ends "paused" / "offline", never "idle"; a 502/503/429
is reported with its own words (reason "busy"); a 200 that is not the answer is retried with
the network backoff; a save while the platform says "no network" asks one attempt without
lifting that pause or the backoff. A stand-in client over the stand-in server. FICTIONAL data."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from intake_app.bundle.status import make_status
from intake_app.sync import DirectVaultCall, SyncService, outbox
from intake_app.sync.errors import ServerBusy, ServerProtocolError, ServerUnreachable
from tests.conftest import load_sample

from . import helpers
from .test_online import Recorder


class FakeClient:
    """The HTTP side of a cycle, without HTTP: a signed status, no receipts held, each upload
    ingested by the stand-in server. ``gate`` (an Event) holds the first upload until set;
    ``fail`` (an exception) is raised by the status read."""

    def __init__(self, mini, keys, gate=None, fail=None) -> None:
        self.mini, self.keys, self.gate, self.fail = mini, keys, gate, fail
        self.cancelled = lambda: False
        self.posting = threading.Event()
        self.cycles = 0

    def __call__(self, url):  # the client_factory
        self.cycles += 1
        return self

    def sign_as(self, device_id, keys):
        return self

    def close(self):
        pass

    def status(self, device_id):
        if self.fail is not None:
            raise self.fail
        now = datetime.now(timezone.utc)
        return make_status(server_keys=self.keys, device_id=device_id, revoked=False,
                           lease_until=helpers.utc(now + timedelta(days=30)), server_time=helpers.utc(now))

    def receipts(self, device_id, after):
        return []

    def post_bundle(self, data):
        self.posting.set()
        if self.gate is not None:
            assert self.gate.wait(20)
        return self.mini.ingest(data)


def _two_bundles(vault):
    for tag in (1, 2):
        vault.save_case({**load_sample("intake-adult-woman"), "given_names": f"Ana{tag} FICTICIA"})
        outbox.prepare(vault)
    assert len(outbox.outstanding(vault)) == 2


def _service(vault, client, rec, **kw):
    return SyncService(DirectVaultCall(vault), "http://127.0.0.1:9", client_factory=client, on_status=rec.on_status,
                       on_error=rec.on_error, interval=3600, **kw)


def _cut_short(enrolled, mini, server_keys, cut):
    _two_bundles(enrolled)
    gate = threading.Event()
    client, rec = FakeClient(mini, server_keys, gate=gate), Recorder()
    svc = _service(enrolled, client, rec)
    svc.start()
    try:
        assert client.posting.wait(20)
        cut(svc)
        gate.set()
        time.sleep(1.0)  # the first upload's receipt is applied; the cycle ends
    finally:
        svc.stop()
    states = [s for s, _ in rec.states]
    return states[:-1], svc  # without the final "stopped"


def test_pause_mid_cycle_never_says_idle(enrolled, mini, server_keys):
    states, svc = _cut_short(enrolled, mini, server_keys, lambda s: s.pause())
    assert "idle" not in states and states[-1] == "paused", states
    assert svc.queued() == [2]  # the second bundle waits for resume()


def test_network_lost_mid_cycle_ends_offline_and_uploads_no_more(enrolled, mini, server_keys):
    states, svc = _cut_short(enrolled, mini, server_keys, lambda s: s.network_changed(False))
    assert "idle" not in states and states[-1] == "offline", states
    assert len(mini.receipts) == 1  # the upload under way finished; no other began


def test_a_busy_server_is_reported_with_its_own_words(enrolled, mini, server_keys):
    client, rec = FakeClient(mini, server_keys, fail=ServerBusy(status=502, reason="busy")), Recorder()
    svc = _service(enrolled, client, rec, backoff_base=3600, backoff_max=3600)
    svc.start()
    try:
        rec.wait_for(lambda s: s and s[-1][0] == "offline")
    finally:
        svc.stop()
    assert [e.code for e in rec.errors] == ["sync_server_busy"]
    assert [i for s, i in rec.states if s == "offline"][0]["reason"] == "busy"


def test_an_answer_that_is_not_the_protocol_is_retried_with_the_backoff(enrolled, mini, server_keys):
    client, rec = FakeClient(mini, server_keys, fail=ServerProtocolError(part="status")), Recorder()
    svc = _service(enrolled, client, rec, backoff_base=0.05, backoff_max=0.1)  # the interval is an hour
    svc.start()
    try:
        rec.wait_for(lambda s: sum(1 for st, _ in s if st == "error") >= 3, timeout=10)
    finally:
        svc.stop()
    errors = [i for s, i in rec.states if s == "error"]
    assert errors[0]["code"] == "sync_server_protocol" and errors[0]["retry_in"] <= 0.1


def test_sync_now_while_the_platform_says_offline_tries_once_and_keeps_the_pause(enrolled, mini, server_keys):
    client, rec = FakeClient(mini, server_keys, fail=ServerUnreachable(reason="connect")), Recorder()
    svc = _service(enrolled, client, rec, backoff_base=0.01, backoff_max=0.01)
    svc.network_changed(False)
    svc.start()
    try:
        rec.wait_for(lambda s: s and s[-1][0] == "offline")
        time.sleep(0.3)
        assert client.cycles == 0  # paused: no attempt
        for n in (1, 2):
            svc.sync_now()  # a save
            deadline = time.monotonic() + 10
            while client.cycles < n and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.3)  # a backoff of 0.01 s would have run many more by now
            assert client.cycles == n
            assert svc.failures == n  # the backoff is not reset
        assert rec.states[-1] == ("offline", {"retry_in": None})  # still paused by the platform
    finally:
        svc.stop()
