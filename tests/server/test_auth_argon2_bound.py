"""Password checks are bounded per process: each Argon2id run takes 64 MiB, and a worker's
40 threads signing in at once took 2.4 GB. At most ``min(4, cores)`` run at once, for a
known user, an unknown one (the dummy check) and a wrong password alike; the rest wait
their turn and every sign-in still completes. Fictional users."""

from __future__ import annotations

import os
import threading
import time

from intake_app.server import auth
from intake_app.server.errors import LoginFailed

THREADS = 12
BOUND = max(1, min(4, os.cpu_count() or 1))


class CountingArgon2:
    """The real Argon2id, counting how many run at this moment; each run held ~80 ms longer
    (the field's cost) so that runs not kept apart would overlap."""

    active = peak = runs = 0
    lock = threading.Lock()
    real = auth.Argon2id

    def __init__(self, **params) -> None:
        self.inner = CountingArgon2.real(**params)

    def _run(self, fn, *args):
        cls = CountingArgon2
        with cls.lock:
            cls.active += 1
            cls.runs += 1
            cls.peak = max(cls.peak, cls.active)
        try:
            time.sleep(0.08)
            return fn(*args)
        finally:
            with cls.lock:
                cls.active -= 1

    def derive_phc_encoded(self, password: bytes) -> str:
        return self._run(self.inner.derive_phc_encoded, password)

    def verify(self, password: bytes, digest: bytes) -> None:
        return self._run(self.inner.verify, password, digest)


def test_simultaneous_sign_ins_run_argon2_within_the_bound_and_all_complete(srv, monkeypatch):
    # no more than 5 tries of one account at once: the lockout counts tries before their check
    names = [f"analista.ficticia{n}" for n in range(4)]
    password = [srv.add_user(name, "analyst") for name in names][0]
    auth._dummy_hash()  # the unknown user's dummy hash exists already, as in a running server
    CountingArgon2.active = CountingArgon2.peak = CountingArgon2.runs = 0
    monkeypatch.setattr(auth, "Argon2id", CountingArgon2)
    tries = ([(name, password) for name in names[:3]] * 2 + [("nadie.ficticio", "Contraseña-Ficticia-1")] * 4
             + [(names[3], "incorrecta-ficticia")] * 2)
    start = threading.Barrier(len(tries))
    results: list = [None] * len(tries)

    def sign_in(i: int, username: str, pw: str) -> None:
        start.wait()
        try:
            results[i] = auth.login(srv.engine, srv.settings, username, pw)[0]
        except LoginFailed:
            results[i] = "failed"

    threads = [threading.Thread(target=sign_in, args=(i, *t)) for i, t in enumerate(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(r, str) and r != "failed" for r in results[:6])  # the right password got in
    assert results[6:] == ["failed"] * 6
    assert CountingArgon2.runs == len(tries)  # one Argon2 run each, the unknown user's too
    assert 1 <= CountingArgon2.peak <= BOUND, f"{CountingArgon2.peak} Argon2 runs at once (bound {BOUND})"
