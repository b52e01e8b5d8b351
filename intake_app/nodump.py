"""Keep what a process holds in memory out of core files, crash reports and other processes.

The desktop app holds the vault's database key and decrypted answers, a server process its
key file's key. A crash must not write them to a core file (systemd-coredump, Ubuntu's
apport under /var/crash, a ``core`` in the working folder), and another program of the same
user must not read them from the running process (``/proc/<pid>/mem``, ``environ``, a
debugger). :func:`protect_process` asks for both at start:

- everywhere ``resource`` exists (Linux, macOS): a core file size limit of 0, soft and hard
  (the process cannot raise it again, and programs it starts inherit it);
- on Linux also ``PR_SET_DUMPABLE`` 0: no core dump, no crash handler gets the memory, and
  ``/proc/<pid>/`` belongs to root, so the same user cannot read it or attach a debugger.
  The kernel resets this at ``exec``: each program sets it itself.

Elsewhere (Windows) nothing is done; full-disk encryption is the answer there.
:func:`forget_env` removes a secret read from the environment, also from the block the
process started with, which ``/proc/<pid>/environ`` shows.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def prctl(option: int, arg: int) -> bool:
    """``prctl(option, arg)`` on Linux; False elsewhere or when refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, arg, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def protect_process() -> None:
    """No core file, and on Linux no reading of this process's memory by the same user."""
    try:
        import resource
    except ImportError:  # Windows
        resource = None
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ValueError, OSError):
            log.info("core file limit not set")
    if sys.platform.startswith("linux") and not prctl(PR_SET_DUMPABLE, 0):
        log.info("process not made non-dumpable")


def forget_env(name: str) -> None:
    """Remove ``name`` from the environment (programs started later do not get it) and, on
    Linux, blank it in the block this process started with."""
    os.environ.pop(name, None)
    _blank_initial(name)


def _blank_initial(name: str) -> None:
    """Overwrite ``NAME=value`` with zero bytes where the kernel placed the environment at
    ``exec`` (``env_start``..``env_end`` of ``/proc/self/stat``). Removing the variable does
    not change that block: ``/proc/<pid>/environ`` would still show it."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # fields 50 and 51: env_start, env_end
    except (OSError, IndexError, ValueError):
        return
    if not 0 < start < end:
        return
    block = ctypes.string_at(start, end - start)
    prefix = name.encode() + b"="
    at = 0
    for entry in block.split(b"\0"):
        if entry.startswith(prefix):
            ctypes.memset(start + at, 0, len(entry))
        at += len(entry) + 1
