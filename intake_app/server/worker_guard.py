"""A server process started by uvicorn's supervisor (``serve --workers N``, or uvicorn's own
``--workers N``) ends when that supervisor dies.

A supervisor stopped normally (SIGTERM, Ctrl-C, systemd) stops its workers itself. Killed
outright (``kill -9``, the out-of-memory killer) it cannot: its workers would go on serving on
the socket they inherited, unseen by the operator, with the server keys in memory, and a
``serve`` started again would share the port with them. On Linux the kernel sends each worker
SIGTERM when its parent dies (``PR_SET_PDEATHSIG``): uvicorn's own graceful shutdown, so a
request being answered ends first. Elsewhere a thread looks every two seconds whether the parent
is still the one that started the worker. A server run as one process (``--workers 1``) has
no supervisor and nothing is set: its parent is the shell or systemd, whose end must not stop it.

Every server process, worker or single, is also kept out of core files and other processes'
reach as it starts (:func:`intake_app.nodump.protect_process`): the kernel resets that at each
``exec``, so the supervisor's own setting does not reach its workers."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading

from ..nodump import PR_SET_PDEATHSIG, prctl, protect_process

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def end_with_supervisor() -> None:
    """Called by each server process as it starts (the app factory)."""
    protect_process()
    parent = multiprocessing.parent_process()
    if parent is None:  # one process: no supervisor
        return
    if not _ask_kernel():
        threading.Thread(target=_watch, args=(parent.pid,), name="supervisor-watch", daemon=True).start()
    if os.getppid() != parent.pid:  # it died before the kernel was asked: nobody else will stop this one
        log.warning("proceso del servidor no iniciado: el proceso que lo inició ya terminó / "
                    "server process not started: the process that started it has ended")
        raise SystemExit(1)


def _ask_kernel() -> bool:
    return prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _watch(parent_pid: int) -> None:
    stop = threading.Event()
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent_pid:
            log.warning("el proceso supervisor del servidor terminó: este proceso del servidor también se "
                        "detiene / the server's supervisor process ended: this server process stops too")
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown, as from the supervisor
            return
