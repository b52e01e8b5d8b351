"""The USB stick under an import: a full, locked or pulled stick told apart, and the check
that before each read and write the folder is still the stick seen at the start (``usb``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..fsutil import PART_SUFFIX, is_part_leftover, os_error_kind, remove_stale_parts
from .errors import ImportStickFull, ImportStickReadOnly, ImportStickRemoved, ImportStopped, StickWriteFailed

BUNDLES, RECEIPTS, ENROLL = "intake-bundles", "intake-receipts", "intake-enroll"
PROBE = ".intake-write-probe"


def _plain_dir(p: Path) -> bool:
    return p.is_dir() and not p.is_symlink()


def stick_error(exc: OSError, root: Path) -> ImportStopped:
    """A failed write on a stick, by its cause: full, locked, pulled, or else."""
    kind = os_error_kind(exc)
    if kind == "no_space":
        return ImportStickFull(path=str(root))
    if kind in ("read_only", "permission"):
        return ImportStickReadOnly(path=str(root))
    if kind in ("gone", "io"):
        return ImportStickRemoved(path=str(root))
    return ImportStopped(path=str(root))


def write_on_stick(fn, root: Path, *args) -> Path:
    """An administrator's one write on a stick (``device approve/reinstate --dir``), worded
    as the import words it when the stick is full, locked or pulled."""
    try:
        return fn(Path(root), *args)
    except OSError as exc:
        reason = {ImportStickFull: "full", ImportStickReadOnly: "read_only",
                  ImportStickRemoved: "removed"}.get(type(stick_error(exc, Path(root))), "other")
        raise StickWriteFailed(path=str(root), reason=reason) from None


class _Stick:
    """The stick's folder as seen at the start: before each read and write it must still be
    that folder (a pulled stick leaves an empty folder of the server's disk at the same path)."""

    def __init__(self, root: Path, ident: tuple[int, int]) -> None:
        self.root, self.ident = root, ident

    def check(self) -> None:
        try:
            st = os.stat(self.root)
        except OSError:
            raise ImportStickRemoved(path=str(self.root)) from None
        same = (st.st_dev, st.st_ino) == self.ident
        if not same or not ((self.root / BUNDLES).is_dir() or (self.root / ENROLL).is_dir()):
            raise ImportStickRemoved(path=str(self.root))

    def write(self, fn, *args, **kwargs):
        """``fn`` writes on the stick; an OSError stops the import, worded by its cause."""
        self.check()
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            self.check()  # gone: that is the cause, whatever the errno says
            raise stick_error(exc, self.root) from None

    def remove_leftovers(self) -> None:
        """``.NAME.PID.part`` files the server's writes left when an import was killed (its
        process gone): receipts and statuses, enrollment responses, the write probe. The
        laptop's own (bundles, requests) are its business."""
        self.check()
        receipts = self.root / RECEIPTS
        folders = [(self.root, (PROBE,))] + ([(self.root / ENROLL, (".response",))]  # never through a link
                                             if _plain_dir(self.root / ENROLL) else [])
        with contextlib.suppress(OSError):
            folders += [(d, ("",)) for d in receipts.iterdir() if _plain_dir(d)] if _plain_dir(receipts) else []
        for folder, endings in folders:
            try:
                names = {e.name for e in os.scandir(folder) if is_part_leftover(e.name)}
            except OSError:
                continue
            for name in names:
                base = name[1:-len(PART_SUFFIX)].rpartition(".")[0]  # .NAME.PID.part -> NAME
                if base and base.endswith(endings):
                    remove_stale_parts(folder / base)
