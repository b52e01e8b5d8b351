"""Batch sync by USB stick: ``export_to`` writes the pending bundles and a signed manifest,
``import_receipts`` reads the server's receipts back.

Stick layout (sync contract)::

    intake-bundles/<device_id>/<seq:08d>.bundle
    intake-bundles/<device_id>/manifest.msgpack      signed by the device
    intake-receipts/<device_id>/<seq:08d>.receipt    written by the server
    intake-receipts/<device_id>/status.msgpack       the server's signed status for the device
                                                     (lease, keys, revocation; see sync/status.py)
    intake-receipts/<device_id>/unknown-device.txt   the office read the stick but its server does
                                                     not know this device (no status, no receipt)

Every file is written to a hidden ``.part`` name, fsynced and renamed
(:func:`intake_app.fsutil.atomic_write`), so a stick pulled out at any moment holds whole
files or ``.part`` leftovers that no reader looks at (and the next export removes).
Nothing is read or written through a link on the stick (a folder or a file someone else
may have prepared): a linked folder is refused, a linked receipt is not a receipt.

After the receipts, the bundles that left the laptop and still have none are told apart
(``ReceiptReport``): written to a stick before the office read it (the status's server time)
means the office refused them; the others it has not seen yet.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..bundle import ManifestEntry, build_manifest
from ..bundle.errors import BundleError, ReceiptMalformed, ServerKeyUntrusted
from ..bundle.status import StatusMalformed, StatusNotFromServer, read_status, signed_by_another_server
from ..errors import IntakeError
from ..fsutil import PART_SUFFIX, NotPlain, atomic_write, check_plain_dirs, create_new, fsync_dir, is_part_leftover, \
    os_error_kind, read_plain
from . import outbox, state
from .errors import DeviceRevoked, NoReceipts, StickOtherServer, SyncDirFull, SyncDirMissing, SyncDirNotFolder, \
    SyncDirReadOnly
from .receipts import Applied, apply_receipt
from .status import apply_status

log = logging.getLogger(__name__)

BUNDLES_DIR = "intake-bundles"
RECEIPTS_DIR = "intake-receipts"
MANIFEST_NAME = "manifest.msgpack"
STATUS_NAME = "status.msgpack"
UNKNOWN_NAME = "unknown-device.txt"  # written by intake-server import for a device it does not know
BUNDLE_RE = re.compile(r"^([0-9]{8})\.bundle$")
RECEIPT_RE = re.compile(r"^([0-9]{8})\.receipt$")
MAX_READ = 64 * 1024 * 1024  # a receipt or status is a few kB; more is not one


def bundle_name(sequence: int) -> str:
    return f"{sequence:08d}.bundle"


def receipt_name(sequence: int) -> str:
    return f"{sequence:08d}.receipt"


@dataclass(frozen=True)
class ExportReport:
    device_id: str
    written: tuple[int, ...]  # sequences on the stick after the export (all without a receipt)
    new: tuple[int, ...]  # sequences built by this export
    removed: int  # files of bundles the server already acknowledged, removed from the stick
    revisions: int  # revisions in the bundles on the stick


@dataclass
class ReceiptReport:
    device_id: str
    delivered: list[Applied] = field(default_factory=list)
    already: list[Applied] = field(default_factory=list)
    refused: list[tuple[str, IntakeError]] = field(default_factory=list)  # (file name, typed error)
    lease_state: str | None = None  # from the server's status on the stick, when there was one
    read_at: str | None = None  # that status's server time: when the office read the stick
    waiting: tuple[int, ...] = ()  # bundles that left the laptop and still have no receipt
    unstored: tuple[int, ...] = ()  # of those, written before read_at: the office read them and refused them

    @property
    def revisions(self) -> int:
        return sum(a.revisions for a in self.delivered)


def _os_error(exc: OSError, needed: int = 0) -> IntakeError:
    if isinstance(exc, NotPlain):  # a link on the stick where a folder must be: refused for safety
        return SyncDirNotFolder(reason="link", folder=Path(exc.filename).name)
    kind = os_error_kind(exc)
    if kind == "not_folder":  # a file where a folder must be
        return SyncDirNotFolder()
    if kind in ("read_only", "permission"):
        return SyncDirReadOnly()
    if kind == "no_space":
        return SyncDirFull(needed=needed)
    return SyncDirMissing()  # gone, an I/O error, or else: the stick is not there as it was


def _read_error(exc: OSError, path: Path) -> IntakeError:
    """A receipt (or status) that cannot be read: a folder, a link, a FIFO named like one is
    not a receipt; else the stick's fault (pulled, unreadable)."""
    if isinstance(exc, (IsADirectoryError, NotPlain)) or exc.errno == errno.EFBIG or path.is_dir():
        return ReceiptMalformed(part="magic")
    return _os_error(exc)


def check_dir(path: str | os.PathLike | None, write: bool) -> Path:
    """The folder, checked: it exists, is a folder and (``write``) takes a file."""
    if path is None or not str(path).strip():
        raise SyncDirMissing()
    root = Path(path)
    if not root.exists():
        raise SyncDirMissing()
    if not root.is_dir():
        raise SyncDirNotFolder()
    if write:
        probe = root / f".intake-probe.{os.getpid()}{PART_SUFFIX}"
        try:
            fd = create_new(probe)  # never through a link planted at that name
            os.close(fd)
            probe.unlink()
        except OSError as exc:
            raise _os_error(exc) from None
    return root


def export_to(vault, target: str | os.PathLike) -> ExportReport:
    """Build what is pending and write every bundle without a receipt, then the manifest."""
    state.check_not_revoked(vault)
    state.require_server_info(vault)
    root = check_dir(target, write=True)
    new = outbox.prepare(vault)
    items = outbox.outstanding(vault)
    wanted = {bundle_name(i.sequence): i for i in items}
    dev_dir = root / BUNDLES_DIR / vault.device_id
    removed = 0
    needed = sum(len(i.bundle) for i in items)
    try:
        check_plain_dirs(root, BUNDLES_DIR, vault.device_id)  # a link there would carry writes outside the stick
        if not items and not dev_dir.is_dir():
            return ExportReport(vault.device_id, (), tuple(new), 0, 0)
        for d in (root / BUNDLES_DIR, dev_dir):
            if not d.is_dir():
                d.mkdir(mode=0o700)
                fsync_dir(d.parent)
        delivered = {r[0] for r in vault.conn.execute("SELECT sequence FROM sync_outbox WHERE chain = ?"
                                                      " AND state = 'delivered'", (state.chain(vault),))}
        for entry in os.scandir(dev_dir):
            m = BUNDLE_RE.match(entry.name)
            if is_part_leftover(entry.name) or (m and int(m.group(1)) in delivered):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                removed += 0 if is_part_leftover(entry.name) else 1
        for name, item in wanted.items():
            path = dev_dir / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size == len(item.bundle) \
                    and read_plain(path) == item.bundle:
                continue  # already there, whole (a link is replaced, never followed)
            atomic_write(path, item.bundle)
        manifest = build_manifest(device_id=vault.device_id, created_at=state.iso(state.utc_now()),
                                  entries=[ManifestEntry.for_file(n, i.bundle, i.sequence) for n, i in wanted.items()],
                                  device_keys=vault.device_keys())
        atomic_write(dev_dir / MANIFEST_NAME, manifest)
    except OSError as exc:
        raise _os_error(exc, needed) from None
    sequences = [i.sequence for i in items]
    outbox.mark_sent(vault, sequences, via="usb")
    vault.record("sync_export", bundles=len(items), new=len(new), removed=removed)
    log.info("exported %d bundles (%d new)", len(items), len(new))
    return ExportReport(vault.device_id, tuple(sequences), tuple(new), removed,
                        sum(i.revision_count for i in items))


def _nothing_applied(vault, refused: list[tuple[str, IntakeError]], other_server: bool) -> IntakeError:
    """No receipt and no status applied: a status whole and signed by another server's keys
    says the stick was processed by the wrong server (:class:`StickOtherServer`); one whose
    signature checks under neither the pinned keys nor its own is damaged; another refused
    status says why (the stick pulled...); no status at all, :class:`NoReceipts`."""
    if other_server:
        return StickOtherServer(device_id=vault.device_id)
    for _name, err in refused:
        if isinstance(err, StatusNotFromServer) or (
                isinstance(err, ServerKeyUntrusted) and err.params.get("reason") in ("signing_key", "signature")):
            return StatusMalformed(part="signature")  # a flipped bit, not another server
    return refused[0][1] if refused else NoReceipts(device_id=vault.device_id)


def import_receipts(vault, source: str | os.PathLike) -> ReceiptReport:
    """Verify and apply every receipt for this device found under ``source``.

    A refused receipt (not signed by the pinned server, for revisions never sent, ...)
    is reported with its typed error and changes nothing; the good ones still apply.
    """
    state.check_not_revoked(vault)
    state.require_server_info(vault)
    root = check_dir(source, write=False)
    rdir = root / RECEIPTS_DIR / vault.device_id
    try:
        check_plain_dirs(root, RECEIPTS_DIR, vault.device_id)
    except NotPlain:
        raise ReceiptMalformed(part="magic") from None  # a link where the receipts folder must be: read nothing
    try:
        files = sorted(p for p in rdir.iterdir() if RECEIPT_RE.match(p.name)) if rdir.is_dir() else []
    except OSError as exc:
        raise _os_error(exc) from None
    report = ReceiptReport(vault.device_id)
    status = rdir / STATUS_NAME
    other_server = False
    if status.is_file():  # first: a revocation locks the vault before anything else happens
        data = b""
        try:
            data = read_plain(status, MAX_READ)
            report.lease_state = apply_status(vault, data, live=False)
        except DeviceRevoked:
            raise
        except (BundleError, IntakeError) as err:
            log.warning("status on the stick refused: %s", err.code)
            report.refused.append((STATUS_NAME, err))
            other_server = signed_by_another_server(data, state.require_server_info(vault).signing)
        except OSError as exc:
            report.refused.append((STATUS_NAME, _read_error(exc, status)))
    if not files and report.lease_state is None:  # nothing to apply: why, when the status was refused
        if not report.refused and (rdir / UNKNOWN_NAME).is_file() and not (rdir / UNKNOWN_NAME).is_symlink():
            raise NoReceipts(device_id=vault.device_id, reason="not_known")  # read, and this laptop unknown there
        raise _nothing_applied(vault, report.refused, other_server)
    if report.lease_state is not None:
        report.read_at = read_status(data).server_time  # verified a moment ago (apply_status)
    for path in files:
        try:
            applied = apply_receipt(vault, read_plain(path, MAX_READ), via="usb")
        except (BundleError, IntakeError) as err:
            log.warning("receipt %s refused: %s", path.name, err.code)
            report.refused.append((path.name, err))
            continue
        except OSError as exc:
            report.refused.append((path.name, _read_error(exc, path)))
            continue
        (report.delivered if applied.status == "delivered" else report.already).append(applied)
    if report.lease_state is not None:  # after the receipts: one may have lowered the clock offset
        report.lease_state = state.lease_state(vault)
    _waiting(vault, report)
    vault.record("sync_receipts_import", delivered=len(report.delivered), already=len(report.already),
                 refused=len(report.refused), lease=report.lease_state or "")
    return report


def _waiting(vault, report: ReceiptReport) -> None:
    """The bundles still without a receipt; those written to a stick before the office read it
    (a laptop clock far ahead of the server's may count them as not read yet)."""
    rows = vault.conn.execute("SELECT sequence, sent_at FROM sync_outbox WHERE chain = ? AND state = 'sent'"
                              " ORDER BY sequence", (state.chain(vault),)).fetchall()
    report.waiting = tuple(r[0] for r in rows)
    if report.read_at:
        read = state.parse_time(report.read_at)
        report.unstored = tuple(r[0] for r in rows if r[1] and state.parse_time(r[1]) < read)
