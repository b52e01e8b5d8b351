"""Safe file writing for files that hold secrets or must never be half-written.

Folders are created 0700, files 0600; a file is written to a temporary name in the
same folder, fsynced, renamed over the target, and the folder is fsynced, so a power
cut or a pulled USB stick leaves either the old file, the new file, or a temporary
``.part`` name that nothing reads.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO, Iterator

PART_SUFFIX = ".part"


def restrict_umask() -> None:
    """Files this process creates are readable by its user only."""
    os.umask(0o077)


def secure_mkdir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)
    return path


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new content only."""
    with atomic_writer(path, mode) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """A file to write in pieces (a large backup, a restore); it becomes ``path`` only
    when the block ends without an error, and is removed otherwise."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{PART_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def is_part_leftover(name: str) -> bool:
    """A hidden temporary name such as :func:`atomic_writer` uses (``.NAME.PID.part``)."""
    return name.startswith(".") and name.endswith(PART_SUFFIX)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (a zombie counts as running). Another
    user's process counts too; a recycled id makes a dead process look alive, which only
    keeps a leftover longer."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill would end the process there
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = ctypes.c_void_p
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(ctypes.c_void_p(handle), ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(ctypes.c_void_p(handle))
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


def remove_stale_parts(path: Path) -> int:
    """Remove the ``.NAME.PID.part`` siblings of ``path`` that :func:`atomic_writer` left
    when its process died between the write and the rename (they hold a whole plaintext
    copy); a running process's are left alone. Best effort: returns how many went."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0  # the folder is missing or unreadable: the write that follows says so
    removed = 0
    for entry in entries:
        pid = entry.name[len(prefix):-len(PART_SUFFIX)]
        if not (is_part_leftover(entry.name) and entry.name.startswith(prefix) and pid.isascii() and pid.isdigit()):
            continue
        if pid_alive(int(pid)) or not entry.is_file(follow_symlinks=False):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created 0600 if missing) across processes: two
    server processes rotating the key file at once would otherwise each write a file
    without the other's new key. POSIX ``flock``; on Windows ``msvcrt.locking``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.name == "nt":  # pragma: no cover - the server runs on Linux
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
