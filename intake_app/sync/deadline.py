"""The overall deadline of one HTTP request, and ``stop()`` reaching a request in flight.

httpx's timeout is per read or per write: a link (or a server) that trickles a byte every
half second never trips it, in the body or in the response headers. A :class:`Budget`
gives a request ``grace`` seconds plus one second per ``min_rate`` bytes sent or received
so far (docs/sync.md "Online"), and ends it when its ``cancelled()`` says so (the
background service's ``stop()``).

The body goes out and the answer comes in through the client's code (``Budget.feed``,
``Budget.spend``); the wait for the answer's headers happens inside httpcore. So the
client's connection pool gets a network backend (:func:`install`) whose streams read in
short slices and ask the request's budget between two slices: a trickle of headers is cut
at the deadline, and ``stop()`` ends a request waiting for the server's answer within
about :data:`SLICE` seconds. The budget of the request running on a thread is found through
a thread-local (one client, one thread at a time: the service's thread, or the command's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from .errors import ConnectionTooSlow, ServerUnreachable

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
SLICE = 0.5  # seconds a read waits before it asks the budget again

_current = threading.local()


class Budget:
    """The overall deadline of one request: ``grace`` seconds plus one per ``min_rate`` bytes
    moved so far (monotonic clock), checked between chunks and between read slices;
    ``cancelled()`` ends it too."""

    def __init__(self, grace: float, min_rate: float, cancelled: Callable[[], bool]) -> None:
        self.start, self.grace, self.min_rate, self.cancelled = time.monotonic(), grace, min_rate, cancelled
        self.moved = 0
        self.body_out = False  # the whole request body was handed to the connection

    def remaining(self) -> float:
        return self.start + self.grace + self.moved / self.min_rate - time.monotonic()

    def check(self) -> None:
        if self.cancelled():
            raise ServerUnreachable(reason="cancelled")
        if self.remaining() < 0:
            raise ConnectionTooSlow()

    def spend(self, n: int) -> None:
        self.moved += n
        self.check()

    def feed(self, data: bytes):
        for i in range(0, len(data), CHUNK):
            self.spend(0)
            yield data[i:i + CHUNK]
            self.moved += min(CHUNK, len(data) - i)
        self.body_out = True  # httpcore asks for the next chunk only once the last one was written

    @contextmanager
    def running(self):
        """This thread's requests answer to this budget while inside."""
        previous = getattr(_current, "budget", None)
        _current.budget = self
        try:
            yield self
        finally:
            _current.budget = previous


def _budget() -> Budget | None:
    return getattr(_current, "budget", None)


class _Stream:
    """A httpcore network stream whose reads wait in slices and answer to the budget."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        budget = _budget()
        if budget is None:
            return self._stream.read(max_bytes, timeout)
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            budget.check()
            wait = min(SLICE, max(0.01, budget.remaining()))
            if end is not None:
                wait = min(wait, max(0.0, end - time.monotonic()))
            try:
                return self._stream.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                if end is not None and time.monotonic() >= end:
                    raise  # httpx's own per-read timeout

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        budget = _budget()
        if budget is not None:  # a write is not cut in slices (a part of it may be out): bounded once
            budget.check()
            left = max(0.01, budget.remaining())
            timeout = left if timeout is None else min(timeout, left)
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _Backend:
    """httpcore's network backend, its streams wrapped in :class:`_Stream`."""

    def __init__(self, backend) -> None:
        self._backend = backend

    def connect_tcp(self, *args, **kwargs):
        return _Stream(self._backend.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args, **kwargs):
        return _Stream(self._backend.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def install(http) -> bool:
    """Give every connection pool of the httpx client ``http`` (its transport, and the
    proxies' it mounted from the environment) the sliced streams. False when a transport is
    not httpx's own (a test's): the budget then holds between chunks only."""
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    done = True
    for transport in transports:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            done = False
            continue
        if not isinstance(pool._network_backend, _Backend):
            pool._network_backend = _Backend(pool._network_backend)
    if not done:
        log.debug("a transport without httpcore's pool: the deadline holds between chunks only")
    return done
