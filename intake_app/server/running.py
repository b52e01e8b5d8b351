"""Which server processes run from a home: each one (``serve``, or uvicorn with the
``app_from_env`` factory, every worker) leaves ``run/<pid>`` in the home while it runs, so
commands that need the server stopped (``db move``) can tell, also when it writes nothing.
A file whose process is gone (killed, or a home copied from a running server) is removed
when read. The file holds the process id and, on Linux, the boot and the process's start
time, so an id the system gave to another process since (after a reboot) does not count.
Nothing else is in it."""

from __future__ import annotations

import atexit
import os
from multiprocessing import util
from pathlib import Path

from ..fsutil import pid_alive, secure_mkdir

RUN_DIR = "run"


def _identity(pid: int) -> str:
    """The boot and the start time of process ``pid`` (Linux), or "" where unknown."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        started = stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command name in parentheses
    except (OSError, IndexError):
        return ""
    return f"{boot} {started}"


def marker_path(home: Path, pid: int | None = None) -> Path:
    """Where process ``pid`` (this one by default) marks itself as a server of ``home``."""
    return Path(home) / RUN_DIR / str(os.getpid() if pid is None else pid)


def unmark(marker: Path) -> None:
    marker.unlink(missing_ok=True)


def mark_running(home: Path) -> Path:
    """Mark this process as a server of ``home`` until it exits normally. A graceful stop by
    SIGTERM or SIGINT ends with uvicorn raising the signal again under its default action
    after the shutdown, so atexit never runs then: :class:`UnmarkOnShutdown` removes the
    marker at the app's lifespan shutdown."""
    folder = Path(home) / RUN_DIR
    secure_mkdir(folder)
    marker = marker_path(home)
    marker.write_text(f"{os.getpid()} {_identity(os.getpid())}".strip(), encoding="ascii")
    atexit.register(marker.unlink, missing_ok=True)
    util.Finalize(None, marker.unlink, kwargs={"missing_ok": True}, exitpriority=0)  # a worker ends by os._exit
    return marker


class UnmarkOnShutdown:
    """An ASGI app around ``app`` that removes ``marker`` once the app's lifespan shutdown
    is over (or failed): the last thing uvicorn runs on a graceful stop, in each worker."""

    def __init__(self, app, marker: Path) -> None:
        self.app, self.marker = app, Path(marker)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def send_and_unmark(message):
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                unmark(self.marker)
            await send(message)

        return await self.app(scope, receive, send_and_unmark)



def _alive(marker: Path, pid: int) -> bool:
    if not pid_alive(pid):
        return False
    try:
        written = marker.read_text(encoding="ascii").split(" ", 1)[1:]
    except (OSError, UnicodeDecodeError):
        return True  # unreadable: rather refuse a move than let one happen under a server
    now = _identity(pid)
    return not (written and now) or written[0] == now  # another process with the same id: stale


def running_pids(home: Path) -> list[int]:
    """The ids of the live server processes of ``home``, in order; stale files removed."""
    folder = Path(home) / RUN_DIR
    alive = []
    for marker in sorted(folder.glob("[0-9]*")) if folder.is_dir() else []:
        try:
            pid = int(marker.name)
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        if _alive(marker, pid):
            alive.append(pid)
        else:
            marker.unlink(missing_ok=True)
    return sorted(alive)
