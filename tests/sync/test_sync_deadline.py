"""Every request has an overall deadline (httpx's timeout is per read): GRACE seconds plus
one per MIN_RATE bytes moved (intake_app/sync/client.py). A server trickling a byte at a
time is given up, a big upload on a slow but steady link still goes through, and stop()
ends a request in flight. A tiny HTTP server on 127.0.0.1. No personal data."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from intake_app.bundle.receipt import MAGIC_RECEIPT
from intake_app.sync import DirectVaultCall, SyncService
from intake_app.sync import client as client_mod
from intake_app.sync.client import SyncClient
from intake_app.sync.errors import ServerUnreachable


class TinyServer:
    """A listening socket on 127.0.0.1 that serves each connection with :meth:`_serve` in a
    thread of its own (subclasses: how slowly they read and answer)."""

    def __init__(self) -> None:
        self.closed = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _request_head(conn: socket.socket) -> bytes | None:
        """What came in up to the end of the request's headers (some body may follow), or None
        when the client went away first."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return None
            buf += data
        return buf

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError


class SlowServer(TinyServer):
    """Reads each request (its body at ``read_rate`` bytes/s at most), then answers 200
    with ``answer``: the headers at once, the body one byte every ``gap`` seconds."""

    def __init__(self, answer: bytes, gap: float = 0.0, read_rate: float | None = None) -> None:
        self.answer, self.gap, self.read_rate = answer, gap, read_rate
        super().__init__()

    def _serve(self, conn: socket.socket) -> None:
        try:
            buf = self._request_head(conn)
            if buf is None:
                return
            head, body = buf.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(body) < length and not self.closed:
                body += conn.recv(65536)
                if self.read_rate:
                    time.sleep(65536 / self.read_rate)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(self.answer))
            for i in range(len(self.answer)):
                if self.closed:
                    return
                conn.sendall(self.answer[i:i + 1] if self.gap else self.answer[i:])
                if not self.gap:
                    return
                time.sleep(self.gap)
        except OSError:
            pass
        finally:
            conn.close()


def _in_thread(fn, limit: float):
    out: list = []

    def run():
        try:
            out.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    t.start()
    t.join(limit)
    assert not t.is_alive(), f"still running after {limit} s"
    return out[0], time.monotonic() - started


def test_a_server_trickling_a_byte_at_a_time_is_given_up(monkeypatch):
    monkeypatch.setattr(client_mod, "GRACE", 1.0, raising=False)
    srv = SlowServer(MAGIC_RECEIPT + b"x" * 100_000, gap=0.2)  # each read arrives well within 30 s
    try:
        client = SyncClient(srv.url)
        result, took = _in_thread(lambda: client.post_bundle(b"b" * 1000), 20)
        client.close()
    finally:
        srv.close()
    assert isinstance(result, ServerUnreachable) and result.params["reason"] == "too_slow"
    assert took < 10


def test_a_big_upload_on_a_slow_steady_link_gets_through():
    """2 MiB read at about 512 KiB/s (4 s): far past the grace, within its share per byte."""
    srv = SlowServer(MAGIC_RECEIPT + b"ok", read_rate=512 * 1024)
    try:
        client = SyncClient(srv.url, grace=1.0, min_rate=256 * 1024)
        result, took = _in_thread(lambda: client.post_bundle(b"b" * (2 * 1024 * 1024)), 30)
        client.close()
    finally:
        srv.close()
    assert result == MAGIC_RECEIPT + b"ok", result
    assert took > 1.0  # the grace alone would have cut it


def test_stop_ends_a_request_in_flight(enrolled):
    srv = SlowServer(b'{"challenge": "' + b"A" * 10_000 + b'"}', gap=0.1)
    states = []
    svc = SyncService(DirectVaultCall(enrolled), srv.url, on_status=lambda s, i: states.append(s),
                      interval=3600)
    try:
        svc.start()
        deadline = time.monotonic() + 10
        while "syncing" not in states and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the challenge is trickling in
        started = time.monotonic()
        svc.stop(timeout=5)
        assert time.monotonic() - started < 5
        assert not svc.alive()
        assert states[-1] == "stopped" and "offline" not in states
    finally:
        svc.stop()
        srv.close()


@pytest.mark.parametrize("size, seconds", [(1024 * 1024, 60 + 128), (64 * 1024 * 1024, 60 + 8192)])
def test_the_documented_figures(size, seconds):
    assert client_mod.GRACE + size / client_mod.MIN_RATE == seconds
