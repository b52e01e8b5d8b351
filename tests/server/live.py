"""A real uvicorn server process on 127.0.0.1 with a free port, for loopback tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from intake_app.bundle.serverkeys import KEY_ENV
from tests.loopback import free_port


def answers(response) -> bool:
    """The server is up and serving: health is ok, or only says the disk is low (a test
    machine with little free space runs the suite as well)."""
    if response.status_code == 200:
        return True
    try:
        return response.status_code == 503 and response.json().get("reason") == "disk_low"
    except ValueError:
        return False


class LiveServer:
    def __init__(self, srv, *, extra_env: dict | None = None, workers: int = 1) -> None:
        self.srv = srv
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, INTAKE_SERVER_HOME=str(srv.home), INTAKE_SERVER_DB=srv.settings.db_url,
                   **{KEY_ENV: srv.keystore.file_key.hex()}, **(extra_env or {}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "intake_app.server.app:app_from_env", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # waiting on a condition: the port answers
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            try:
                if answers(httpx.get(self.url + "/api/v1/health", timeout=1)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no graceful shutdown."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


def wait_for_file(folder: Path, pattern: str, timeout: float = 30.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
        time.sleep(0.01)
    raise TimeoutError(pattern)
