"""Safe file writing for files that hold secrets or must never be half-written.

Folders are created 0700, files 0600; a file is written to a temporary name in the
same folder, fsynced, renamed over the target, and the folder is fsynced, so a power
cut or a pulled USB stick leaves either the old file, the new file, or a temporary
``.part`` name that nothing reads.

On a USB stick (a folder someone else prepared) nothing is read or written through a link:
``secure_mkdir(..., below=stick)``, :func:`check_plain_dirs` and :func:`read_plain` refuse
one with :class:`NotPlain`, and the temporary file is created ``O_EXCL | O_NOFOLLOW``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from pathlib import Path
from typing import BinaryIO, Iterator

PART_SUFFIX = ".part"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class NotPlain(OSError):
    """A link (or a FIFO, a device, a file where a folder must be) where a plain folder or
    file must be: nothing is read or written through it (errno ELOOP)."""

    def __init__(self, path) -> None:
        super().__init__(errno.ELOOP, "not a plain folder or file", str(path))


_KINDS = {errno.ENOSPC: "no_space", errno.EROFS: "read_only", errno.EACCES: "permission", errno.EPERM: "permission",
          errno.ENOENT: "gone", errno.ENODEV: "gone", errno.ENXIO: "gone", errno.EIO: "io",
          errno.ENOTDIR: "not_folder", errno.EISDIR: "is_folder"}
if hasattr(errno, "EDQUOT"):
    _KINDS[errno.EDQUOT] = "no_space"


def os_error_kind(exc: BaseException) -> str | None:
    """What a failed file operation says about where it wrote or read, one word for every
    caller to put in its own terms: ``no_space`` (full, over quota), ``read_only`` (a
    read-only file system), ``permission``, ``gone`` (missing, a stick pulled), ``io``,
    ``not_folder`` (a file or a link where a folder must be: :class:`NotPlain` too),
    ``is_folder``; None for anything else."""
    if not isinstance(exc, OSError):
        return None
    if isinstance(exc, NotPlain):
        return "not_folder"
    return _KINDS.get(exc.errno)


def restrict_umask() -> None:
    """Files this process creates are readable by its user only."""
    os.umask(0o077)


def secure_mkdir(path: Path, *, below: Path | None = None) -> Path:
    """``path`` and its parents, created 0700. With ``below`` (a USB stick's folder, which
    ``path`` lies under) every part of ``path`` under it must be a plain folder: a link
    planted there is refused (:class:`NotPlain`), never created in, written or chmodded
    through."""
    path = Path(path)
    if below is None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(PermissionError):
            os.chmod(path, 0o700)
        return path
    current = Path(below)
    for part in path.relative_to(below).parts:
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir(mode=0o700)
        check_plain_dirs(current.parent, part)
    if os.name == "posix":  # the mode of the folder itself, through no link (O_NOFOLLOW)
        fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
        try:
            with contextlib.suppress(PermissionError):  # a FAT stick has no modes to set
                os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    return current


def check_plain_dirs(root: Path, *parts: str) -> Path:
    """``root/parts...``, each part that exists a plain folder, not a link (:class:`NotPlain`).
    ``root`` itself may be a link: it is the path the person named."""
    path = Path(root)
    for part in parts:
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return Path(root).joinpath(*parts)
        if not stat.S_ISDIR(st.st_mode):
            raise NotPlain(path)
    return path


def read_plain(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a plain file, never through a link nor from a FIFO or a device
    (:class:`NotPlain`; a folder: IsADirectoryError); over ``limit`` bytes: OSError(EFBIG)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise NotPlain(path) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise NotPlain(path)
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise OSError(errno.EFBIG, "file too large", str(path))
    return data


def create_new(path: Path, mode: int = 0o600) -> int:
    """A new file's descriptor, for writing: ``O_EXCL | O_NOFOLLOW``, so a link planted at
    ``path`` is never followed nor a file truncated through it. A plain file already there
    that this user owns (a leftover of this very process id) is removed first; anything
    else there (a link, a folder, another user's file) raises FileExistsError."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
    try:
        return os.open(path, flags, mode)
    except FileExistsError:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
            raise
        os.unlink(path)
    return os.open(path, flags, mode)


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
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        if stat.S_ISCHR(kind := os.lstat(path).st_mode) or stat.S_ISBLK(kind) or stat.S_ISFIFO(kind) \
                or stat.S_ISSOCK(kind):
            # a device or a pipe (``--out /dev/null``): the rename would put a file in its place
            # (as root, /dev/null itself), never write through it
            raise NotPlain(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{PART_SUFFIX}")
    fd = create_new(tmp, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def replace(src: Path, dst: Path) -> None:
    """``os.replace``; on Windows retried for up to 2 s while another program (a reader, an
    antivirus scan) has ``dst`` open, which refuses a rename there but not on POSIX."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if os.name != "nt" or time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # pragma: no cover - Windows only


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
    without the other's new key, and two programs on a laptop's keyring would lose one's
    change. Waits for the lock. POSIX ``flock``; on Windows ``msvcrt.locking``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.name == "nt":  # pragma: no cover - tested on Linux only; the laptops' keyring uses it there
            import msvcrt

            while True:  # waits as flock does (LK_LOCK gives up after 10 s with an error)
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # at once: a close may release it late
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
    finally:
        os.close(fd)  # on POSIX closing releases the lock
