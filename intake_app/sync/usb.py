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
(``ReceiptReport``): those whose receipt is on the stick but was refused (cut short, unreadable,
damaged: ``damaged``, or one this laptop cannot take); those on the stick when the office read
it, which it did not store (``unstored``): the stick's status was signed after every server time
this laptop knew of when it last exported (``K_EXPORT_SEEN``: server times against server
times, never this laptop's clock); the others it has not read yet. :func:`waiting_words` words
them for the command line and the desktop alike.

The export warns (``ExportReport.room_short``) when the stick keeps too little free space for
what the office writes back (a receipt per bundle and the status, sized as the server makes them):
a stick full to the brim would be refused at the office.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .. import i18n
from ..bundle import ManifestEntry, build_manifest
from ..bundle.errors import BundleError, ReceiptMalformed, ReceiptNotFromServer, ServerKeyUntrusted
from ..bundle.format import FieldError, envelope_signed_part, open_envelope
from ..bundle.keys import ED25519_SIG_LEN, MLDSA65_SIG_LEN
from ..bundle.receipt import MAGIC_RECEIPT, RECEIPT_VERSION, Receipt
from ..bundle.status import MAGIC_STATUS, DeviceStatus, StatusMalformed, StatusNotFromServer, \
    parse_and_verify_status, read_status, signed_by_another_server
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
# the latest server time this laptop knew of at its last export (a status on that stick, the
# last contact): a status on a stick signed after it was made after that export
K_EXPORT_SEEN = "sync.usb_export_seen"


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
    room_needed: int = 0  # bytes the office's receipts and status will take on the stick (about)
    room_free: int | None = None  # bytes free on the stick after the export (None: not known)

    @property
    def room_short(self) -> int:
        """Bytes the stick lacks for what the office writes back (0: enough, or not known)."""
        return 0 if self.room_free is None else max(0, self.room_needed - self.room_free)


@dataclass
class ReceiptReport:
    device_id: str
    delivered: list[Applied] = field(default_factory=list)
    already: list[Applied] = field(default_factory=list)
    refused: list[tuple[str, IntakeError]] = field(default_factory=list)  # (file name, typed error)
    lease_state: str | None = None  # from the server's status on the stick, when there was one
    read_at: str | None = None  # that status's server time: when the office read the stick
    waiting: tuple[int, ...] = ()  # bundles that left the laptop and still have no receipt
    unstored: tuple[int, ...] = ()  # of those, on the stick when the office read it: it did not store them
    damaged: tuple[int, ...] = ()  # of those, with a receipt on the stick refused as cut short or damaged

    @property
    def revisions(self) -> int:
        return sum(a.revisions for a in self.delivered)

    @property
    def receipt_refused(self) -> tuple[int, ...]:
        """Waiting bundles whose receipt file is on the stick but was refused (each said apart)."""
        names = {int(m.group(1)) for name, _err in self.refused if (m := RECEIPT_RE.match(name))}
        return tuple(s for s in self.waiting if s in names)

    @property
    def not_read(self) -> tuple[int, ...]:
        """Waiting bundles the office has not read yet: neither unstored nor with a refused receipt."""
        said = set(self.unstored) | set(self.receipt_refused)
        return tuple(s for s in self.waiting if s not in said)


def _os_error(exc: OSError, needed: int = 0) -> IntakeError:
    if isinstance(exc, NotPlain):  # a link on the stick where a folder must be: refused for safety
        return SyncDirNotFolder(reason="link", folder=Path(exc.filename).name)
    kind = os_error_kind(exc)
    if kind == "not_folder":  # a file where a folder must be
        return SyncDirNotFolder()
    if kind in ("read_only", "permission"):
        return SyncDirReadOnly()
    if kind == "no_space":
        return full_error(needed)
    return SyncDirMissing()  # gone, an I/O error, or else: the stick is not there as it was


def size_text(size: int) -> str:
    """Bytes as a person reads them: kB, or MB past 10 MB (rounded up)."""
    kb = -(-max(size, 0) // 1024)
    return f"{kb} kB" if kb < 10 * 1024 else f"{-(-kb // 1024)} MB"


def full_error(needed: int, reason: str | None = None) -> SyncDirFull:
    """No room: ``needed`` bytes missing when known (0: not known, said without a number)."""
    if needed <= 0:
        return SyncDirFull(needed=0, reason="no_room")
    params = {"needed": needed, "size": size_text(needed)}
    return SyncDirFull(**params, reason=reason) if reason else SyncDirFull(**params)


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
    seen = _seen_at_export(vault, root)
    block = _space(root)[0]
    room = _office_room(vault, root, items, block)
    manifest = build_manifest(device_id=vault.device_id, created_at=state.iso(state.utc_now()),
                              entries=[ManifestEntry.for_file(n, i.bundle, i.sequence) for n, i in wanted.items()],
                              device_keys=vault.device_keys())  # first: its size counts when the stick fills
    remaining = sum(_rounded(len(i.bundle), block) for i in items) + _rounded(len(manifest), block)
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
            if not (path.is_file() and not path.is_symlink() and path.stat().st_size == len(item.bundle)
                    and read_plain(path) == item.bundle):  # else already there, whole (a link is replaced)
                atomic_write(path, item.bundle)
            remaining -= _rounded(len(item.bundle), block)
        atomic_write(dev_dir / MANIFEST_NAME, manifest)
    except OSError as exc:
        if os_error_kind(exc) == "no_space" and not isinstance(exc, NotPlain):  # what is really missing
            raise full_error(remaining + room - (_space(root)[1] or 0), "export") from None
        raise _os_error(exc) from None
    sequences = [i.sequence for i in items]
    if seen:
        vault.set_meta(K_EXPORT_SEEN, seen)
    outbox.mark_sent(vault, sequences, via="usb")
    vault.record("sync_export", bundles=len(items), new=len(new), removed=removed)
    log.info("exported %d bundles (%d new)", len(items), len(new))
    return ExportReport(vault.device_id, tuple(sequences), tuple(new), removed,
                        sum(i.revision_count for i in items), room, _space(root)[1])


# --- room for what the office writes back ---------------------------------------------------
_SIGNATURES = 2 + ED25519_SIG_LEN + 2 + MLDSA65_SIG_LEN  # the envelope's two signatures, each with its length
_LONGEST_TIME = "2000-01-01T00:00:00.000000+00:00"  # no server time on a receipt or status is longer
_DIR_ENTRY = 128  # one file's entries in a FAT folder (a long name), about


def _rounded(size: int, block: int) -> int:
    return -(-size // block) * block


def _space(root: Path) -> tuple[int, int | None]:
    """The stick's allocation block and its free bytes (None: not known)."""
    try:
        free = shutil.disk_usage(root).free
    except OSError:
        free = None
    try:
        block = os.statvfs(root).f_frsize or 4096
    except (AttributeError, OSError):  # no statvfs on Windows
        block = 4096
    return block, free


def _signed_size(magic: bytes, version: int, body: dict) -> int:
    return len(envelope_signed_part(magic, version, body)) + _SIGNATURES


def _office_room(vault, root: Path, items, block: int) -> int:
    """About what the office's import writes on the stick for this laptop (server/usb.py): its
    write probe, a receipt per bundle (its revision ids, audit seqs at their largest) and the
    signed status with the pinned server keys, each rounded up to the stick's allocation block,
    their folder entries, and the folders themselves when missing."""
    ch = state.chain(vault)
    total = block  # the import's write probe
    for item in items:
        ids = sorted(r[0] for r in vault.conn.execute(
            "SELECT revision_id FROM sync_revisions WHERE chain = ? AND sequence = ?", (ch, item.sequence)))
        receipt = Receipt(b"\0" * 32, vault.device_id, item.sequence, tuple(ids), (0xFFFFFFFF,) * item.audit_count,
                          _LONGEST_TIME, "already_had")
        total += _rounded(_signed_size(MAGIC_RECEIPT, RECEIPT_VERSION, receipt.to_wire()), block)
    status = DeviceStatus(vault.device_id, False, _LONGEST_TIME, _LONGEST_TIME, state.require_server_info(vault))
    total += _rounded(_signed_size(MAGIC_STATUS, 1, status.to_wire()), block)
    total += _rounded(_DIR_ENTRY * (len(items) + 2), block)
    folders = root / RECEIPTS_DIR, root / RECEIPTS_DIR / vault.device_id
    return total + block * sum(not _holds(d.is_dir) for d in folders)


def _seen_at_export(vault, root: Path) -> str | None:
    """The latest server time this laptop knows of as it exports (``K_EXPORT_SEEN``): the one
    kept at the last export, the last contact, the status already on the stick (this server's)."""
    times = [vault.meta(K_EXPORT_SEEN), vault.meta(state.K_LAST_CONTACT)]
    with contextlib.suppress(OSError, BundleError, IntakeError):  # a link is never read through
        data = read_plain(check_plain_dirs(root, RECEIPTS_DIR, vault.device_id) / STATUS_NAME, MAX_READ)
        times.append(parse_and_verify_status(data, state.require_server_info(vault).signing,
                                             device_id=vault.device_id).server_time)
    known = [state.parse_time(t) for t in times if t]
    return state.iso_precise(max(known)) if known else None


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
        data = b""
        try:
            data = read_plain(path, MAX_READ)
            applied = apply_receipt(vault, data, via="usb")
        except (BundleError, IntakeError) as err:
            err = _receipt_refusal(err, data, state.require_server_info(vault).signing)
            log.warning("receipt %s refused: %s", path.name, err.code)
            report.refused.append((path.name, err))
            continue
        except OSError as exc:
            report.refused.append((path.name, _read_error(exc, path)))
            continue
        (report.delivered if applied.status == "delivered" else report.already).append(applied)
    if report.lease_state is not None:  # after the receipts: one may have lowered the clock offset
        report.lease_state = state.lease_state(vault)
    _waiting(vault, report, root)
    vault.record("sync_receipts_import", delivered=len(report.delivered), already=len(report.already),
                 refused=len(report.refused), lease=report.lease_state or "")
    return report


def _receipt_refusal(err: Exception, data: bytes, pinned) -> Exception:
    """A receipt the pinned keys refused that is damaged rather than signed by other keys: its
    fields do not read (a flipped bit there), or one of its two signatures holds under the
    pinned keys (a flipped bit in the other: this server signed it). Both failing on a whole
    receipt stays "not signed by this laptop's server" (nothing tells it from another key).
    Refused either way: only the words change."""
    if not isinstance(err, ReceiptNotFromServer):
        return err
    try:
        env = open_envelope(data, magic=MAGIC_RECEIPT, max_version=RECEIPT_VERSION, error=ReceiptMalformed)
        Receipt.from_wire(env.body)
    except ReceiptMalformed as exc:
        return exc
    except FieldError as exc:
        return ReceiptMalformed(part=exc.args[0])
    return ReceiptMalformed(part="signature") if len(set(env.verify_each(pinned))) == 2 else err


def _damaged(err: Exception) -> bool:
    """A receipt on the stick that could not be used as it is (cut short, damaged, unreadable):
    the office writes it again when it imports the stick again."""
    if isinstance(err, ReceiptMalformed):
        return err.params.get("part") != "version"  # a newer server's: update this laptop instead
    return isinstance(err, (SyncDirMissing, SyncDirNotFolder, SyncDirReadOnly))


def _holds(check) -> bool:
    """``check()`` (a path's is_file/is_dir); False when the stick cannot answer (pulled, an
    I/O error, no permission: pathlib raises those): the cautious reading either way."""
    try:
        return check()
    except OSError:
        return False


def _waiting(vault, report: ReceiptReport, root: Path) -> None:
    """The bundles still without a receipt, told apart (module docstring). A bundle is
    ``unstored`` when it is on the stick, has no refused receipt there, and the stick's status
    was signed after every server time known at the last export (``K_EXPORT_SEEN``); for a
    laptop that has not exported since that was kept, after the bundle first left (its
    ``sent_at``, corrected by the clock offset to the server)."""
    rows = vault.conn.execute("SELECT sequence, sent_at FROM sync_outbox WHERE chain = ? AND state = 'sent'"
                              " ORDER BY sequence", (state.chain(vault),)).fetchall()
    report.waiting = tuple(r[0] for r in rows)
    refused = set(report.receipt_refused)
    bad = {int(m.group(1)) for name, err in report.refused if (m := RECEIPT_RE.match(name)) and _damaged(err)}
    report.damaged = tuple(s for s in report.waiting if s in bad)
    if not report.read_at:
        return
    read = state.parse_time(report.read_at)
    seen = vault.meta(K_EXPORT_SEEN)
    offset = timedelta(seconds=round((state.server_now(vault) - state.utc_now()).total_seconds()))
    on_stick = root / BUNDLES_DIR / vault.device_id

    def read_there(sequence: int, sent_at: str | None) -> bool:
        if sequence in refused or not _holds((on_stick / bundle_name(sequence)).is_file):
            return False
        if seen:
            return state.parse_time(seen) < read
        return bool(sent_at) and state.parse_time(sent_at) + offset < read

    report.unstored = tuple(r[0] for r in rows if read_there(*r))


def room_words(report: ExportReport, lang: str | None = None) -> str:
    """The warning for a stick left too full for what the office writes back ("" when it has
    room), the same on the command line and the desktop."""
    if not report.room_short:
        return ""
    return i18n.t("sync_usb.room_short", lang, free=size_text(report.room_free or 0),
                  needed=size_text(report.room_needed), short=size_text(report.room_short))


def waiting_words(report: ReceiptReport, export: str, lang: str | None = None) -> list[str]:
    """What the officer is told of the bundles still without a receipt, the same on the command
    line and the desktop: ``export`` names how to export again there (the command, the button)."""
    from ..numbers import runs, runs_text
    from ..timefmt import local_time_iso

    lines = []
    if report.unstored:
        lines.append(i18n.t("sync_usb.unstored", lang, count=len(report.unstored), export=export,
                            sequences=runs_text(runs(report.unstored)), when=local_time_iso(report.read_at or "")))
    if report.damaged:
        lines.append(i18n.t("sync_usb.receipt_damaged", lang, count=len(report.damaged),
                            sequences=runs_text(runs(report.damaged))))
    if report.not_read:
        lines.append(i18n.t("sync_usb.waiting", lang, count=len(report.not_read),
                            sequences=runs_text(runs(report.not_read))))
    return lines
