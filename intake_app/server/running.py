"""Which server processes run from a home: each one (``serve``, or uvicorn with the
``app_from_env`` factory, every worker) leaves ``run/<pid>`` in the home while it runs, so
commands that need the server stopped (``db move``) can tell, also when it writes nothing.
A file whose process is gone (killed) is removed when read. Nothing but the process id is
in it."""

from __future__ import annotations

import atexit
import os
from multiprocessing import util
from pathlib import Path

from ..fsutil import pid_alive, secure_mkdir

RUN_DIR = "run"


def mark_running(home: Path) -> Path:
    """Mark this process as a server of ``home`` until it exits (a normal exit or SIGTERM)."""
    folder = Path(home) / RUN_DIR
    secure_mkdir(folder)
    marker = folder / str(os.getpid())
    marker.write_text(str(os.getpid()), encoding="ascii")
    atexit.register(marker.unlink, missing_ok=True)
    util.Finalize(None, marker.unlink, kwargs={"missing_ok": True}, exitpriority=0)  # a worker ends by os._exit
    return marker


def running_pids(home: Path) -> list[int]:
    """The ids of the live server processes of ``home``, in order; dead ones' files removed."""
    folder = Path(home) / RUN_DIR
    alive = []
    for marker in sorted(folder.glob("[0-9]*")) if folder.is_dir() else []:
        try:
            pid = int(marker.name)
        except ValueError:
            continue
        if pid != os.getpid() and pid_alive(pid):
            alive.append(pid)
        elif pid != os.getpid():
            marker.unlink(missing_ok=True)
    return sorted(alive)
