"""The lockout holds under concurrent sign-ins: a burst of wrong passwords at once gets no
more than ``lockout_failures`` of them judged, and the right password sent while they are
being checked does not get in. Real servers on 127.0.0.1, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from sqlalchemy import text

from intake_app.server import auth
from intake_app.server.auth import PasswordHasher
from tests.loopback import serve

from .conftest import PASSWORD
from .live import LiveServer

USER = "analyst.demo"
WRONG = 30


def login_outcomes(srv) -> tuple[int, int, int]:
    """(login_failed judged as a plain wrong password, login_failed on a locked account or
    the failure that locked it, successful logins) for USER, from the audit log."""
    with srv.engine.connect() as conn:
        rows = conn.execute(text("SELECT action, detail FROM audit_log WHERE actor = :a"),
                            {"a": f"user:{USER}"}).all()
    plain = sum(1 for r in rows if r.action == "login_failed" and json.loads(r.detail)["locked"] is False)
    locked = sum(1 for r in rows if r.action == "login_failed" and json.loads(r.detail)["locked"] is True)
    return plain, locked, sum(1 for r in rows if r.action == "login")


class GatedHasher:
    """The real hasher, whose verify waits at a gate: it stands for the ~50 ms of Argon2 in
    the field, held open until every request of the burst is inside its hash check."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.entered = 0

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        with self.lock:
            self.entered += 1
        assert self.gate.wait(60)
        return self.inner.verify(hashed, password)


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # waiting on a condition: requests reaching the hash check
        assert time.monotonic() < deadline, "requests did not reach the hash check"
        await asyncio.sleep(0.01)


def test_a_burst_of_wrong_passwords_cannot_outrun_the_lockout(srv, monkeypatch):
    """30 wrong passwords at once, all inside their hash check together, then the right one:
    at most lockout_failures are judged, and the right one, sent once the account is
    locked, is refused. Before the fix every request that read the row before the fifth
    failure was saved was judged as unlocked, and the right password got in."""
    srv.add_user(USER, "analyst")
    gated = GatedHasher(auth._hasher())
    monkeypatch.setattr(auth, "_hasher", lambda: gated)
    limit = srv.settings.lockout_failures
    assert WRONG > 2 * limit

    async def burst(url: str) -> tuple[list[int], int]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            def attempt(password: str):
                return asyncio.ensure_future(client.post("/api/v1/auth/login",
                                                         json={"username": USER, "password": password}))
            wrong = [attempt(f"mala-clave-demo-{i}") for i in range(WRONG)]
            await _until(lambda: gated.entered >= WRONG)
            right = attempt(PASSWORD)
            await _until(lambda: gated.entered >= WRONG + 1)
            gated.gate.set()
            answers = await asyncio.gather(*wrong)
            return [a.status_code for a in answers], (await right).status_code

    with serve(srv.app()) as url:
        wrong_codes, right_code = asyncio.run(burst(url))
    assert wrong_codes == [401] * WRONG
    assert right_code == 401  # the right password, but the account was locked before it came
    plain, locked, logins = login_outcomes(srv)
    assert logins == 0
    assert plain <= limit - 1  # at most lockout_failures passwords judged: limit - 1 plain, one that locks
    assert plain + locked == WRONG + 1  # every try audited
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT locked_until FROM users WHERE username = :u"), {"u": USER}).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                                 " WHERE u.username = :u"), {"u": USER}).scalar_one() == 0


def test_the_lockout_holds_across_server_processes(srv):
    """Two server processes over one database, the burst split between them: the count is
    kept in the database, so together they judge no more than lockout_failures. The hash
    check costs what it does in the field (Argon2id, 19 MiB, t=2), so requests overlap."""
    srv.add_user(USER, "analyst")
    slow = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD)
    with srv.engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE username = :u"), {"h": slow, "u": USER})
    limit = srv.settings.lockout_failures
    servers = [LiveServer(srv), LiveServer(srv)]
    try:
        async def burst() -> list[int]:
            clients = [httpx.AsyncClient(base_url=s.url, timeout=60) for s in servers]
            try:
                answers = await asyncio.gather(*(
                    clients[i % 2].post("/api/v1/auth/login", json={"username": USER, "password": f"mala-demo-{i}"})
                    for i in range(WRONG)))
            finally:
                for c in clients:
                    await c.aclose()
            return [a.status_code for a in answers]

        assert asyncio.run(burst()) == [401] * WRONG
        right = httpx.post(servers[0].url + "/api/v1/auth/login", json={"username": USER, "password": PASSWORD})
        assert right.status_code == 401  # locked: the right password waits for the lock to end
    finally:
        for s in servers:
            s.stop()
    plain, locked, logins = login_outcomes(srv)
    assert (plain, logins) == (limit - 1, 0)
    assert plain + locked == WRONG + 1


def test_a_reserved_attempt_that_succeeds_is_not_a_failure(srv):
    """The attempt is counted before the hash check; a right password takes it back (and a
    wrong one after it starts a new count), and a disabled account's right password is not
    a failure either."""
    from intake_app.server.auth import login, set_disabled
    from intake_app.server.errors import LoginFailed

    srv.add_user(USER, "analyst")
    limit = srv.settings.lockout_failures

    def failures() -> int:
        with srv.engine.connect() as conn:
            return conn.execute(text("SELECT failed_logins FROM users WHERE username = :u"), {"u": USER}).scalar_one()

    for _ in range(limit - 1):
        with pytest.raises(LoginFailed):
            login(srv.engine, srv.settings, USER, "mala-clave-demo")
    assert failures() == limit - 1
    login(srv.engine, srv.settings, USER, PASSWORD)  # the last try left: it gets in
    assert failures() == 0
    set_disabled(srv.engine, USER, actor="test")
    with pytest.raises(LoginFailed):  # answered as a wrong password (tests/server/test_access_audit.py)
        login(srv.engine, srv.settings, USER, PASSWORD)
    assert failures() == 0
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT locked_until FROM users WHERE username = :u"), {"u": USER}).scalar_one() is None
