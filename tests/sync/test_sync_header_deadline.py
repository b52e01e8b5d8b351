"""The overall deadline also bounds the wait for the answer's headers, a link "too slow" is not
retried four times by push, and stop() ends a request waiting for the server's answer
(intake_app/sync/deadline.py). Tiny HTTP servers on 127.0.0.1. No personal data."""

from __future__ import annotations

import socket
import time

from intake_app.sync import DirectVaultCall, SyncService, push
from intake_app.sync import client as client_mod
from intake_app.sync.client import SyncClient
from intake_app.sync.errors import ServerUnreachable

from .test_sync_deadline import TinyServer, _in_thread


class HeaderTrickle(TinyServer):
    """Reads each request whole, then sends the answer's status line and headers one byte
    every ``gap`` seconds (``gap`` None: never answers). Counts the requests."""

    def __init__(self, gap: float | None) -> None:
        self.gap, self.requests = gap, 0
        super().__init__()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._request_head(conn) is None:
                return
            self.requests += 1
            head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 60) for i in range(200))
            for i in range(len(head)):
                if self.closed:
                    return
                if self.gap is None:
                    time.sleep(0.1)
                    continue
                conn.sendall(head[i:i + 1])
                time.sleep(self.gap)
        except OSError:
            pass
        finally:
            conn.close()


def test_a_trickle_of_headers_is_cut_at_the_deadline(monkeypatch):
    monkeypatch.setattr(client_mod, "GRACE", 1.0, raising=False)
    srv = HeaderTrickle(gap=0.05)  # 12 KiB of headers at 20 bytes/s: each read well within 30 s
    try:
        client = SyncClient(srv.url)
        result, took = _in_thread(lambda: client.post_bundle(b"b" * 1000), 30)
        client.close()
    finally:
        srv.close()
    assert isinstance(result, ServerUnreachable) and result.params["reason"] == "too_slow", result
    assert took < 5


def test_push_does_not_retry_a_link_too_slow(enrolled, monkeypatch):
    monkeypatch.setattr(client_mod, "GRACE", 1.0, raising=False)
    srv = HeaderTrickle(gap=0.05)
    try:
        result, took = _in_thread(lambda: push(enrolled, srv.url, sleep=lambda s: None), 60)
    finally:
        srv.close()
    assert isinstance(result, ServerUnreachable) and result.params["reason"] == "too_slow", result
    assert srv.requests == 1 and took < 5  # once: a second try of the same would only double the wait


def test_stop_ends_a_request_waiting_for_the_answer(enrolled):
    srv = HeaderTrickle(gap=None)  # reads the request, then says nothing (for 30 s and more)
    states = []
    svc = SyncService(DirectVaultCall(enrolled), srv.url, on_status=lambda s, i: states.append(s), interval=3600)
    try:
        svc.start()
        deadline = time.monotonic() + 10
        while not srv.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.requests, "the service never asked"
        time.sleep(0.3)  # waiting for the answer's first byte
        started = time.monotonic()
        svc.stop(timeout=5)
        assert time.monotonic() - started < 3
        assert not svc.alive()
        assert states[-1] == "stopped" and "offline" not in states
    finally:
        svc.stop()
        srv.close()


def test_the_client_answers_to_the_deadline_inside_httpx():
    """The sliced streams are in place (an httpx upgrade that moves its pool fails here)."""
    from intake_app.sync import deadline

    client = SyncClient("http://127.0.0.1:9")
    try:
        assert deadline.install(client.http)
        assert isinstance(client.http._transport._pool._network_backend, deadline._Backend)
    finally:
        client.close()
