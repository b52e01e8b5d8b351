"""Workers end with their supervisor: ``kill -9`` of the process that started them (uvicorn's
supervisor under ``serve --workers N``) leaves no server process answering on the port."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from .live import LiveServer


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie (ended, not yet reaped by init) no longer serves


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc (Linux)")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_workers_stop_when_their_supervisor_is_killed(srv):
    server = LiveServer(srv, workers=2)
    workers: set[int] = set()
    try:
        workers = {pid for pid in _children(server.proc.pid) if Path(f"/proc/{pid}/cmdline").read_bytes()
                   .find(b"spawn_main") >= 0}  # not the resource tracker
        assert len(workers) == 2, workers
        server.kill()  # SIGKILL: the supervisor cannot stop them itself
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):  # waiting on a condition
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "a worker still runs after its supervisor was killed"
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url + "/api/v1/health", timeout=2)
    finally:
        server.stop()
        for pid in workers:  # a failed run leaves nothing behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_where_the_kernel_cannot_be_asked_a_thread_notices_the_parent_changed():
    """The fallback (not Linux): a worker whose parent is no longer the one that started it
    sends itself SIGTERM, uvicorn's graceful shutdown."""
    import subprocess
    import sys

    code = "import os; from intake_app.server import worker_guard as g; g._watch(os.getppid() + 1)"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == -signal.SIGTERM, done.stderr
