"""What a stick holds, as ``intake-server import`` reads it (:mod:`usb`, its layout there):
the device folders under ``intake-bundles`` with their bundle files (in sequence order) and
manifest, and the enrollment requests under ``intake-enroll``.

Hidden files and ``.part`` leftovers are not listed. A folder whose name is no device id is
listed apart (``odd``: never read, its name never reaches a query), as is a folder that is a
link (``links``: nothing is read through it); a bundle, manifest or request that is a link is
listed, to be refused as unreadable. A stick with nothing of these is :class:`ImportDirEmpty`;
with reason ``unfinished_export`` when a device folder holds only the ``.part`` leftovers of a
laptop's export killed while it wrote (its bundles or manifest): the laptop must export again.
Beside other files such a folder is listed in ``unfinished`` (the summary says it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..bundle.codec import FieldError, check_id
from ..fsutil import PART_SUFFIX, is_part_leftover
from .errors import ImportDirEmpty, ImportDirMissing
from .usb_stick import BUNDLE_SUFFIXES, BUNDLES, ENROLL, _plain_dir

MANIFEST_NAMES = ("manifest.msgpack",)
_SEQ = re.compile(r"(\d{1,19})(?:\.intake-bundle|\.bundle)$")


def shown_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 (kept by the file system
    as surrogates) shown as ``\\xff`` (a strict UTF-8 output would fail on them)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_device_id(name: str) -> bool:
    try:
        check_id(name, "device_id")
    except FieldError:
        return False
    return True


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and not p.name.endswith(PART_SUFFIX)


def _file_or_link(p: Path) -> bool:
    """A file to read, or a link in its place (read as a link: refused as unreadable)."""
    return p.is_symlink() or p.is_file()


def _sequence_hint(name: str) -> int:
    m = _SEQ.search(name)
    return int(m.group(1)) if m else 1 << 62


def _export_cut_short(folder: Path) -> bool:
    """The folder holds a ``.NAME.PID.part`` of a bundle or manifest: an export that did not finish."""
    try:
        names = [p.name for p in folder.iterdir() if is_part_leftover(p.name)]
    except OSError:
        return False
    bases = (n[1:-len(PART_SUFFIX)].rpartition(".")[0] for n in names)  # .NAME.PID.part -> NAME
    return any(b.endswith(BUNDLE_SUFFIXES + MANIFEST_NAMES + (".intake-manifest",)) for b in bases)


def manifest_path(folder: Path) -> Path | None:
    """The device folder's manifest (``manifest.msgpack``, else the first ``*.intake-manifest``)."""
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.glob("*.intake-manifest") if _visible(p))
    return found[0] if found else None


@dataclass(frozen=True)
class StickContents:
    root: Path
    bundle_dirs: list[Path]
    files_by_dir: dict[Path, list[Path]]
    requests: list[Path]
    ident: tuple[int, int]  # (st_dev, st_ino) of root when it was looked at
    links: tuple[str, ...] = ()  # folders (relative to root) that are links: nothing is read through them
    odd: tuple[str, ...] = ()  # folders (relative to root, printable) not named by a device id: never read
    unfinished: tuple[str, ...] = ()  # devices whose export was cut short (a bundle or manifest .part left)


def scan(root: Path) -> StickContents:
    """What the stick holds; refuses a missing or empty folder (whether it can be written
    is :func:`usb.preflight`'s)."""
    root = Path(root)
    if not root.is_dir():
        raise ImportDirMissing(path=str(root))
    st = root.stat()
    links = [name for name in (BUNDLES, ENROLL) if (root / name).is_symlink()]
    bundle_dirs = sorted(p for p in (root / BUNDLES).iterdir() if _visible(p) and (p.is_dir() or p.is_symlink())) \
        if _plain_dir(root / BUNDLES) else []
    odd = [f"{BUNDLES}/{shown_name(p.name)}" for p in bundle_dirs if not _is_device_id(p.name)]
    bundle_dirs = [p for p in bundle_dirs if _is_device_id(p.name)]  # an odd name never reaches a query
    links += [f"{BUNDLES}/{p.name}" for p in bundle_dirs if p.is_symlink()]
    bundle_dirs = [p for p in bundle_dirs if _plain_dir(p)]
    requests = sorted(p for p in (root / ENROLL).glob("*.request") if _file_or_link(p) and _visible(p)) \
        if _plain_dir(root / ENROLL) else []
    files_by_dir = {d: sorted((p for p in d.iterdir() if _file_or_link(p) and _visible(p)
                               and p.name.endswith(BUNDLE_SUFFIXES)), key=lambda p: (_sequence_hint(p.name), p.name))
                    for d in bundle_dirs}
    cut = tuple(d.name for d in bundle_dirs if _export_cut_short(d))
    if not (requests or links or odd or any(files_by_dir.values()) or any(manifest_path(d) for d in bundle_dirs)):
        if cut:  # a laptop's export killed mid-write: not the wrong stick
            raise ImportDirEmpty(path=str(root), reason="unfinished_export", devices=", ".join(cut))
        raise ImportDirEmpty(path=str(root))
    return StickContents(root, bundle_dirs, files_by_dir, requests, (st.st_dev, st.st_ino), tuple(links), tuple(odd),
                         cut)
