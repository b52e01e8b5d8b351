"""No core file and no reading of a running program's memory: the real ``intake`` command
line, ``intake-server serve`` and its workers (and workers started by uvicorn itself) set a
core file size of 0 and, on Linux, make themselves non-dumpable; the key file's key given in
``INTAKE_SERVER_KEY`` is gone from ``/proc/<pid>/environ`` once read.

How it is seen from outside: ``/proc/<pid>/limits`` for the core size; for "non-dumpable", a
process without CAP_SYS_PTRACE opening ``/proc/<pid>/mem`` (the kernel refuses it for a
non-dumpable process of the same user). Run as root, every process here starts without
CAP_SYS_PTRACE in its bounding set, so the same-user rule applies. A control process started
the same way shows the check can tell. The core size check shows the programs' own doing only
while this test process may still raise its limit (a test that ran ``intake``'s ``main()`` here
lowered it for good); the non-dumpable check does not depend on it. All data is fictional."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from intake_app.bundle.serverkeys import KEY_ENV
from intake_app.server.setup import init_server
from tests.loopback import free_port

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE
from .live import LiveServer, answers

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/limits").is_file(), reason="reads /proc (Linux)")

PR_CAPBSET_DROP = 24
CAP_SYS_PTRACE = 19
READER = """import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDONLY))
    print("open")
except PermissionError:
    print("denied")
"""


def _as_a_plain_user() -> None:
    """preexec_fn: without CAP_SYS_PTRACE (root), and the core size as high as allowed, so a 0
    seen later is the program's own doing."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) != 0:
            os._exit(97)
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def core_limit(pid: int) -> tuple[str, str]:
    line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith("Max core file size"))
    soft, hard = line.split()[4:6]
    return soft, hard


def memory_open(pid: int) -> str:
    """"open" or "denied": /proc/<pid>/mem opened by a process like the others (no CAP_SYS_PTRACE)."""
    done = subprocess.run([sys.executable, "-c", READER, f"/proc/{pid}/mem"], preexec_fn=_as_a_plain_user,
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def protected(pid: int) -> bool:
    return core_limit(pid) == ("0", "0") and memory_open(pid) == "denied"


@pytest.fixture(scope="module")
def control():
    """A plain Python process started the same way: its memory opens, its core size is not 0."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], preexec_fn=_as_a_plain_user)
    try:
        time.sleep(0.3)
        if memory_open(proc.pid) != "open":
            pytest.skip("this system refuses /proc/<pid>/mem even for a dumpable process (Yama ptrace_scope)")
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def wait_until(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # waiting on a condition
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def workers_of(pid: int) -> set[int]:
    return {c for c in children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}


def environ(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_control_is_dumpable_with_a_core_size(control):
    assert memory_open(control) == "open"
    if resource.getrlimit(resource.RLIMIT_CORE)[1] != 0:  # 0 once a test ran intake's main() in this process
        assert core_limit(control) != ("0", "0")


def test_the_intake_command_line_is_protected_while_it_waits_for_a_passphrase(control, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from intake_app.cli import main; sys.exit(main())",
         "--home", str(tmp_path / "vault"), "vault", "init", "--officer", "ana.ficticia"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}, preexec_fn=_as_a_plain_user,
        start_new_session=True, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proc.poll() is not None or protected(proc.pid), "intake never protected itself")
        assert proc.poll() is None  # still at the prompt: what was seen was the live program
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    return home


def test_serve_and_its_workers_are_protected_and_hold_no_key_in_their_environment(control, home):
    """``intake-server serve --workers 2`` started unattended (the key in INTAKE_SERVER_KEY):
    the supervisor and each worker are protected, and none shows the key in /proc/<pid>/environ."""
    from intake_app.server.keys import KeyStore

    key = KeyStore.open(home / "server.keys", passphrase=KEY_PASSPHRASE).file_key.hex()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), KEY_ENV: key, "INTAKE_SERVER_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from intake_app.entry import server; sys.exit(server())",
         "serve", "--port", str(port), "--workers", "2"], cwd=ROOT, env=env, preexec_fn=_as_a_plain_user,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def up() -> bool:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
            try:
                return answers(httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)) \
                    and len(workers_of(proc.pid)) == 2
            except httpx.HTTPError:
                return False

        wait_until(up, "the server did not start")
        workers = workers_of(proc.pid)
        for pid in (proc.pid, *workers):
            wait_until(lambda: protected(pid), f"server process {pid} not protected")
            wait_until(lambda: key.encode() not in environ(pid), f"the key is in /proc/{pid}/environ")
            assert KEY_ENV.encode() not in environ(pid)
        for pid in children(proc.pid) - workers:  # multiprocessing's resource tracker: never had it
            assert key.encode() not in environ(pid), Path(f"/proc/{pid}/cmdline").read_bytes()
    finally:
        stop(proc)
        proc.stderr.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_workers_uvicorn_starts_itself_are_protected_and_forget_the_key(control, srv):
    """``uvicorn intake_app.server.app:app_from_env --workers 2``: the workers run our code from
    their start (uvicorn's own supervisor does not)."""
    key = srv.keystore.file_key.hex().encode()
    server = LiveServer(srv, workers=2)
    try:
        workers: set[int] = set()

        def found() -> bool:
            workers.update(workers_of(server.proc.pid))
            return len(workers) == 2

        wait_until(found, "no workers")
        for pid in workers:
            wait_until(lambda: protected(pid), f"worker {pid} not protected")
            wait_until(lambda: key not in environ(pid), f"the key is in /proc/{pid}/environ")
    finally:
        server.stop()


def test_the_desktop_app_protects_itself(tmp_path):
    pytest.importorskip("PySide6")
    code = ("import ctypes, resource, sys; from ui.app import main; rc = main(sys.argv[1:]); "
            "print('dumpable', ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), 'core', resource.getrlimit(resource.RLIMIT_CORE))")
    done = subprocess.run([sys.executable, "-c", code, "--home", str(tmp_path / "data"), "--smoke-test"], cwd=ROOT,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "INTAKE_TEST_FAST_KDF": "1"},
                          preexec_fn=_as_a_plain_user, capture_output=True, text=True, timeout=120)
    assert "smoke-test: ready" in done.stdout, (done.stdout + done.stderr)[-2000:]
    assert "dumpable 0 core (0, 0)" in done.stdout


def test_forget_env_blanks_the_start_block_and_the_environment():
    code = ("import os, subprocess; from intake_app.nodump import forget_env; forget_env('SECRETO_FICTICIO'); "
            "print(b'SECRETO_FICTICIO' in open('/proc/self/environ', 'rb').read(), 'SECRETO_FICTICIO' in os.environ, "
            "subprocess.run(['sh', '-c', 'echo \"[$SECRETO_FICTICIO]\"'], capture_output=True, text=True).stdout.strip(), "
            "os.environ['OTRA_FICTICIA'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "SECRETO_FICTICIO": "clave-ficticia",
                               "OTRA_FICTICIA": "sigue"})
    assert done.stdout.split() == ["False", "False", "[]", "sigue"], done.stderr
