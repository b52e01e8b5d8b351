"""The online path against the real central server on 127.0.0.1 (intake_app.server,
SQLite): push, receipts, idempotence, dropped connections, the background service with
offline/online, revocation. FICTIONAL data only."""

from __future__ import annotations

import socket
import threading

import pytest

from intake_app.sync import DirectVaultCall, SyncService, export_to, lease_state, push
from intake_app.sync.errors import DeviceRevoked, NotEnrolled, ServerUnreachable
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

from .conftest import free_port


def _save(vault, n=3):
    out = []
    for i in range(n):
        rec = load_sample("intake-adult-woman")
        rec["given_names"] = f"Ana{i} FICTICIA"
        out.append(vault.save_case(rec))
    return out


def _server_revisions(srv, device_id):
    rows = srv.rows("SELECT revision_id, case_id, parent_id, content_hash FROM revisions WHERE device_id = :d",
                    d=device_id)
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _vault_revisions(vault):
    rows = vault.conn.execute("SELECT revision_id, case_id, parent_id, content_hash FROM revisions").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_push_delivers_and_is_idempotent(real_server, vault):
    real_server.enroll(vault)
    saved = _save(vault, 3)
    vault.save_case({**load_sample("intake-adult-woman"), "case_status": "follow_up"}, case_id=saved[0].case_id)
    report = push(vault, real_server.url)
    assert report.delivered == [1] and report.revisions == 4
    assert _server_revisions(real_server, vault.device_id) == _vault_revisions(vault)
    states = {r.sync_state for r in vault.list_cases()}
    assert states == {"delivered"}
    assert lease_state(vault) == "ok"
    again = push(vault, real_server.url)  # nothing new but audit entries: at most one small bundle
    assert again.revisions == 0
    assert real_server.scalar("SELECT count(*) FROM revisions") == 4


def test_push_requires_enrollment(vault):
    with pytest.raises(NotEnrolled):
        push(vault, "http://127.0.0.1:9")


def test_server_down_is_a_typed_retryable_error(enrolled):
    _save(enrolled, 1)
    with pytest.raises(ServerUnreachable):
        push(enrolled, f"http://127.0.0.1:{free_port()}", attempts=2, sleep=lambda s: None)
    # nothing was lost or marked: the save waits for the next attempt
    assert {r.sync_state for r in enrolled.list_cases()} == {"pending"}
    assert enrolled.conn.execute("SELECT count(*) FROM sync_revisions WHERE delivered_at IS NOT NULL").fetchone()[0] == 0


# --- a TCP proxy that drops connections mid-transfer ------------------------------------
class CuttingProxy:
    """Forwards HTTP/1.1 requests to ``backend_port``; the first ``cuts`` POSTs to
    /api/v1/bundles are cut: ``mode="request"`` closes after reading half the body (the
    server never sees it), ``mode="response"`` delivers the whole request to the server
    and closes before the answer reaches the device."""

    def __init__(self, backend_port: int, mode: str, cuts: int = 1) -> None:
        self.backend_port, self.mode, self.cuts = backend_port, mode, cuts
        self.bundle_posts = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_message(f, first_line_required=True):
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = f.readline()
            if not line:
                return None, None
            head += line
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return head, length

    def _serve(self, conn) -> None:
        f = conn.makefile("rb")
        try:
            while True:
                head, length = self._read_message(f)
                if head is None:
                    return
                target = head.startswith(b"POST /api/v1/bundles ")
                cut = False
                if target:
                    with self.lock:
                        self.bundle_posts += 1
                        if self.cuts > 0:
                            self.cuts -= 1
                            cut = True
                if cut and self.mode == "request":
                    f.read(length // 2)
                    return  # the socket closes with half the body read
                body = f.read(length)
                with socket.create_connection(("127.0.0.1", self.backend_port)) as back:
                    back.sendall(head + body)
                    bf = back.makefile("rb")
                    rhead, rlen = self._read_message(bf)
                    rbody = bf.read(rlen)
                if cut:  # mode == "response": the server stored it; the device hears nothing
                    return
                conn.sendall(rhead + rbody)
        finally:
            f.close()
            conn.close()


@pytest.mark.parametrize("mode", ["request", "response"])
def test_dropped_connection_mid_upload_retries_to_exactly_one_receipt(real_server, vault, mode):
    real_server.enroll(vault)
    _save(vault, 5)
    proxy = CuttingProxy(real_server.port, mode, cuts=1)
    try:
        report = push(vault, proxy.url, sleep=lambda s: None)
    finally:
        proxy.close()
    assert report.retries >= 1 and proxy.bundle_posts == 2
    assert report.delivered == [1]
    assert real_server.scalar("SELECT count(*) FROM bundles WHERE device_id = :d", d=vault.device_id) == 1
    assert real_server.scalar("SELECT count(*) FROM revisions") == 5
    assert _server_revisions(real_server, vault.device_id) == _vault_revisions(vault)
    assert vault.conn.execute("SELECT count(*) FROM sync_receipts").fetchone()[0] == 1


def test_usb_and_online_mix_without_duplicates(real_server, vault, stick):
    """A bundle exported to a stick and then pushed online is stored once."""
    real_server.enroll(vault)
    _save(vault, 2)
    export_to(vault, stick)
    report = push(vault, real_server.url)
    assert report.delivered == [1]
    from intake_app.server.ingest import Ingestor
    from intake_app.server.usb import import_dir

    summary = import_dir(real_server.engine, Ingestor(real_server.engine, real_server.keystore),
                         real_server.keystore, stick)
    assert summary.count("already_had") == 1 and summary.count("accepted") == 0
    assert real_server.scalar("SELECT count(*) FROM revisions") == 2


# --- the background service ---------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.states: list[tuple[str, dict]] = []
        self.progress: list[tuple[int, int]] = []
        self.errors = []
        self.cond = threading.Condition()

    def on_status(self, state, info):
        with self.cond:
            self.states.append((state, info))
            self.cond.notify_all()

    def on_progress(self, done, total):
        self.progress.append((done, total))

    def on_error(self, err):
        self.errors.append(err)

    def wait_for(self, predicate, timeout=30.0):
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.states), timeout), self.states


def test_service_pauses_offline_and_resumes_when_the_network_returns(tmp_path, vault):
    from .conftest import LoopbackServer

    srv = LoopbackServer(tmp_path / "srv-later", start=False)  # nothing listens at its address yet
    try:
        srv.enroll(vault)
        _save(vault, 4)
        rec = Recorder()
        svc = SyncService(DirectVaultCall(vault), srv.url, on_status=rec.on_status,
                          on_progress=rec.on_progress, on_error=rec.on_error, interval=3600,
                          backoff_base=3600, backoff_max=3600)
        svc.start()
        try:
            rec.wait_for(lambda s: any(st == "offline" for st, _ in s))  # nobody listens on that port
            offline = [info for st, info in rec.states if st == "offline"][0]
            assert offline["retry_in"] >= 1800  # exponential backoff, not a busy loop
            assert {r.sync_state for r in vault.list_cases()} == {"pending"}
            # the network returns: the server now answers at that address
            srv.start()
            svc.network_changed(True)
            rec.wait_for(lambda s: s[-1][0] == "idle")
        finally:
            svc.stop()
        assert rec.progress and rec.progress[-1][0] == rec.progress[-1][1]
        assert {r.sync_state for r in vault.list_cases()} == {"delivered"}
        assert srv.scalar("SELECT count(*) FROM revisions") == 4
    finally:
        srv.close()


def test_service_dedups_by_sequence_and_reports_pause(enrolled):
    svc = SyncService(DirectVaultCall(enrolled), "http://127.0.0.1:9")
    assert svc.enqueue(1, b"x") is True
    assert svc.enqueue(1, b"x") is False
    assert svc.enqueue(2, b"y") is True
    assert svc.queued() == [1, 2]
    rec = Recorder()
    svc.on_status = rec.on_status
    svc.pause()
    svc.start()
    try:
        rec.wait_for(lambda s: any(st == "paused" for st, _ in s))
    finally:
        svc.stop()
    assert rec.states[-1][0] == "stopped"


def test_revoked_device_learns_it_at_next_contact_and_locks(real_server, vault, home):
    real_server.enroll(vault)
    _save(vault, 2)
    assert push(vault, real_server.url).delivered == [1]
    real_server.revoke(vault.device_id)
    _save(vault, 1)
    with pytest.raises(DeviceRevoked) as exc:
        push(vault, real_server.url)
    assert exc.value.params["device_id"] == vault.device_id
    # what it sent before revocation stays on the server
    assert real_server.scalar("SELECT count(*) FROM revisions") == 2
    vault.close()
    with pytest.raises(DeviceRevoked):
        Vault.open(home, "oficial.prueba", PASSPHRASE)


def test_revoked_bundle_post_is_refused_with_device_revoked(real_server, vault):
    """Status says fine, then the device is revoked before its upload: the POST's 403
    device_revoked also locks it."""
    from intake_app.sync.client import SyncClient

    real_server.enroll(vault)
    _save(vault, 1)

    class RevokeAfterStatus(SyncClient):
        def receipts(self, device_id, after):
            out = super().receipts(device_id, after)
            real_server.revoke(device_id)
            return out

    with pytest.raises(DeviceRevoked):
        push(vault, real_server.url, client=RevokeAfterStatus(real_server.url))
    assert vault.meta("sync.revoked") is not None


def test_the_sync_thread_holds_the_read_key_only(real_server, vault):
    """A cycle signs its reads with the device's Ed25519 key; the ML-DSA seed (bundles only,
    signed inside vault calls) never leaves the vault for the thread or its HTTP client."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from intake_app.bundle.keys import SigningKeys
    from intake_app.sync import service as service_mod
    from intake_app.sync.client import SyncClient

    real_server.enroll(vault)
    _save(vault, 1)
    held = []
    real_start = service_mod._start_cycle

    class Recording(SyncClient):
        def sign_as(self, device_id, keys):
            held.append(keys)
            out = super().sign_as(device_id, keys)
            held.append(self._device[1])
            return out

    def start(v):
        out = real_start(v)
        held.extend(out)
        return out

    svc = SyncService(DirectVaultCall(vault), real_server.url, client_factory=Recording, interval=60)
    service_mod._start_cycle, saved_start = start, service_mod._start_cycle
    try:
        svc._cycle()
    finally:
        service_mod._start_cycle = saved_start
    assert push(vault, real_server.url).revisions == 0  # the cycle delivered the case
    seed = vault.device_keys().mldsa65_seed
    assert not any(isinstance(h, SigningKeys) or h == seed for h in held)
    assert sum(isinstance(h, ed25519.Ed25519PrivateKey) for h in held) >= 2
