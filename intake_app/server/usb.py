"""``intake-server import DIR``: batch sync from a USB stick (docs/sync-protocol.md).

Layout on the stick::

    intake-bundles/<device_id>/<seq:08d>.bundle       bundles (also *.intake-bundle)
    intake-bundles/<device_id>/manifest.msgpack       signed by the device (also *.intake-manifest)
    intake-receipts/<device_id>/<seq:08d>.receipt     written here, one per stored bundle
    intake-receipts/<device_id>/status.msgpack        written here: the device's signed status
                                                      (lease, server keys, revocation), as online
    intake-receipts/<device_id>/unknown-device.txt    written here for a device this server does
                                                      not know: the laptop learns it was read
    intake-enroll/<device_id>.request                 offline enrollment requests
    intake-enroll/<device_id>.response                written here once approved

Every bundle is verified and ingested on its own (one transaction each), in any order;
a refused file harms nothing else. A revoked laptop's stick is read by the office: a bundle
the server already holds is reported as already received (with its stored receipt), a new
one as refused because the device is revoked (``device_revoked``; the command line words it
for the operator, not with the laptop's "your vault is locked"), and its enrollment request
as the request of a revoked device, not of one with other keys. A bundle for another server
is refused as such, not as "pending"; a request beside one (or beside another server's
response) is ``pending_other_server``; that response is never overwritten (``usb_enroll``).
Receipts are the stored ones: importing the same stick twice writes the same receipts and
stores nothing twice. ``.part`` leftovers of a
pulled stick are ignored; those a killed import left (its process gone) are removed; a laptop's
export cut short (its bundle or manifest ``.part``) is said, as the reason when nothing else is
there (``usb_contents``).
A file in a device's folder that the device's verified manifest does not list and that is no
whole bundle (empty, cut short, not a bundle) is ``ignored``, not refused: the laptop never
claims it and no export removes it. A real bundle is never ignored: each is judged on its own
signature, listed or not. Ctrl+C leaves the summary so far on the KeyboardInterrupt (``summary``).

Nothing is read or written through a link on the stick: a linked bundle, manifest or request
is refused as unreadable; a linked folder (``intake-bundles/<device>``, ``intake-enroll``,
``intake-receipts/<device>``...) is reported (``import_stick_link``) and nothing goes through
it, the rest of the stick is imported. A bundle that fails with an unexpected error (a bug)
is refused on its own (``internal``, logged by type only); a database fault stops the import.

The stick can fail under the import: at the first write it refuses (full, read-only) the
import stops with :class:`ImportStopped` carrying the summary of what was stored (safe in the
database: importing the stick again with room writes their receipts). Before every read and
write the folder must still be the stick seen at the start (same device and inode): a pulled
stick leaves its mount point as an empty folder of the server's own disk, where nothing is
written.

The stick's contents are listed by :mod:`usb_contents`; the summary is :mod:`usb_stick`'s.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..bundle.enrollment import parse_and_verify_request
from ..bundle.errors import ManifestFileMismatch, ManifestMalformed, UnknownDevice
from ..bundle.format import bundle_hash, read_header
from ..bundle.manifest import parse_and_verify_manifest, read_manifest
from ..errors import IntakeError
from ..fsutil import NotPlain, atomic_write, check_plain_dirs, os_error_kind, read_plain, secure_mkdir
from . import devices
from .errors import (DeviceAlreadyEnrolled, DeviceRevokedError, EnrollmentResponseOtherServer, ImportDirFull,
                     ImportDirMissing, ImportDirReadOnly, ImportStopped)
from .db import _is_psycopg
from .ingest import Ingestor, missing_sequences
from .models import Bundle
from .usb_contents import StickContents, manifest_path, scan, shown_name  # noqa: F401 (cli imports shown_name here)
from .usb_stick import (BUNDLES, ENROLL, PROBE, RECEIPTS, ImportItem, ImportSummary, _Stick, stick_error,  # noqa: F401
                        write_on_stick)
from .usb_enroll import check_response_slot, foreign_response, mark_other_server, response_target  # noqa: F401

log = logging.getLogger(__name__)
STATUS = "status.msgpack"
MAX_FILE = 512 * 1024 * 1024
UNKNOWN_MARK = "unknown-device.txt"
_STRAY = ("bundle_not_a_bundle", "bundle_truncated", "bundle_malformed")  # no whole bundle: nothing to lose


def _link_item(root: Path, exc: NotPlain) -> ImportItem:
    rel = Path(exc.filename).relative_to(root).as_posix()
    parts = rel.split("/")
    return ImportItem(parts[1] if len(parts) > 1 else "", rel, "refused", code="import_stick_link",
                      params={"file": rel})


def _check_writable(root: Path) -> None:
    """A full stick and a locked one are told apart; a stick gone is missing."""
    probe = root / PROBE
    try:
        atomic_write(probe, b"x", mode=0o644)
        probe.unlink(missing_ok=True)  # missing: another import's probe went first
    except OSError as exc:
        kind = os_error_kind(exc)
        if kind == "no_space":
            raise ImportDirFull(path=str(root)) from None
        if kind in ("gone", "io"):
            raise ImportDirMissing(path=str(root)) from None
        raise ImportDirReadOnly(path=str(root)) from None


def preflight(root: Path) -> StickContents:
    """What the stick holds (:func:`usb_contents.scan`); refuses a missing, empty or read-only
    folder before any work."""
    stick = scan(root)
    _check_writable(stick.root)
    return stick


def import_dir(engine: Engine, ingestor: Ingestor, keystore, root: Path | StickContents, *,
               lease_days: int = 30, progress=None) -> ImportSummary:
    """Import the stick. Raises :class:`ImportStopped` (full, read-only, removed) at the first
    write the stick refuses, or KeyboardInterrupt, with ``summary`` set to what was done until
    then. ``progress(done, total)`` is called after every bundle file."""
    stick = root if isinstance(root, StickContents) else preflight(root)
    summary = ImportSummary()
    guard = _Stick(stick.root, stick.ident)
    try:
        _import(engine, ingestor, keystore, stick, guard, summary, lease_days, progress)
    except (ImportStopped, KeyboardInterrupt) as exc:
        log.info("import stopped: %s", getattr(exc, "code", "interrupted"))
        exc.summary = summary
        raise
    return summary


def _import(engine: Engine, ingestor: Ingestor, keystore, stick: StickContents, guard: _Stick,
            summary: ImportSummary, lease_days: int, progress=None) -> None:
    root, bundle_dirs, files_by_dir, requests = stick.root, stick.bundle_dirs, stick.files_by_dir, stick.requests
    total = sum(len(files) for files in files_by_dir.values())
    summary.unread = len(requests) + total
    guard.remove_leftovers()
    summary.unfinished += list(stick.unfinished)
    summary.items += [_link_item(root, NotPlain(root / rel)) for rel in stick.links]
    summary.items += [ImportItem("", rel, "refused", code="import_stick_odd_folder", params={"file": rel})
                      for rel in stick.odd]
    for req in requests:
        guard.check()
        _enrollment(engine, keystore, req, guard, summary, lease_days)
    seen: set[str] = set()
    unsafe: set[str] = set()  # devices whose receipts folder is a link: nothing written there
    for folder in bundle_dirs:
        guard.check()
        checked, listed = _manifest(engine, folder, files_by_dir[folder], summary, guard)
        for path in files_by_dir[folder]:
            rel = f"{BUNDLES}/{folder.name}/{path.name}"
            guard.check()
            if path.name in checked:
                summary.items.append(checked[path.name])
                summary.unread -= 1
                _progress(progress, summary, total)
                continue
            item = _one_bundle(engine, ingestor, path, rel, folder.name)
            if item.code == "import_file_unreadable":
                guard.check()  # unreadable because the stick is gone: not read, not refused
            if item.outcome == "refused" and item.code in _STRAY and listed is not None and path.name not in listed:
                item.outcome = "ignored"  # the laptop's signed manifest does not claim it (module docstring)
            summary.items.append(item)
            summary.unread -= 1
            _progress(progress, summary, total)
            if item.outcome in ("accepted", "already_had"):
                seen.add(item.device_id)
                if _receipts_folder(root, item.device_id, summary, unsafe):
                    guard.write(_write_receipt, root, item)
    # a status for every device on the stick, refused ones too (a revoked one learns it); a
    # contact only for a device with a new signed bundle of its own on it (a folder named after
    # a lost laptop with junk in it, or a stick imported again, moves neither its last contact
    # nor its lease)
    mark_other_server(root, keystore, summary)
    signed = {item.device_id for item in summary.items if item.outcome == "accepted"}  # a copy sent again is not
    signing = keystore.keys().signing_public if bundle_dirs else None
    for folder in bundle_dirs:  # not over another server's status for a laptop that server approved
        if _receipts_folder(root, folder.name, summary, unsafe):
            _write_status(engine, keystore, guard, folder.name, summary, lease_days, contact=folder.name in signed,
                          foreign=foreign_response(root, folder.name, signing))
    with engine.connect() as conn:
        for device_id in sorted(seen):
            gaps = missing_sequences(conn, device_id)
            if gaps:
                summary.gaps[device_id] = gaps


def _progress(progress, summary: ImportSummary, total: int) -> None:
    if progress is not None:  # the requests are read first: what is left unread is bundle files
        progress(total - summary.unread, total)


def _receipts_folder(root: Path, device_id: str, summary: ImportSummary, unsafe: set[str]) -> bool:
    """Whether the device's receipts folder is no link (missing is fine); a link is reported once."""
    if device_id in unsafe:
        return False
    try:
        check_plain_dirs(root, RECEIPTS, device_id)
    except NotPlain as exc:
        unsafe.add(device_id)
        item = _link_item(root, exc)
        if not any(i.file == item.file and i.code == item.code for i in summary.items):  # intake-receipts: once
            summary.items.append(item)
        return False
    return True


def _manifest(engine: Engine, folder: Path, files: list[Path], summary: ImportSummary,
              guard: _Stick) -> tuple[dict[str, ImportItem], set[str] | None]:
    """Check the device's signed manifest; returns refusals for listed files that differ, and
    the names it lists (None without a verified one). A bad manifest is reported; each bundle
    is still judged on its own signature."""
    path = manifest_path(folder)
    refused: dict[str, ImportItem] = {}
    if path is None:
        return refused, None
    rel = f"{BUNDLES}/{folder.name}/{path.name}"
    try:
        data = read_plain(path, MAX_FILE)
        device_id = read_manifest(data).device_id
        with engine.connect() as conn:
            row = devices.get_device(conn, device_id)
        if row is None:
            raise UnknownDevice(device_id=device_id)
        if device_id != folder.name:
            raise ManifestMalformed(part="device_id")
        manifest = parse_and_verify_manifest(data, devices.public_keys(row))
    except IntakeError as exc:
        summary.items.append(ImportItem(folder.name, rel, "refused", code=exc.code, params=dict(exc.params)))
        return refused, None
    except OSError:
        guard.check()  # unreadable because the stick is gone: stop there
        summary.items.append(ImportItem(folder.name, rel, "refused", code="import_file_unreadable",
                                        params={"file": path.name}))
        return refused, None
    present = {p.name for p in files}
    for entry in manifest.entries:
        if entry.name not in present:
            exc = ManifestFileMismatch(file=entry.name, problem="missing")
            summary.items.append(ImportItem(manifest.device_id, f"{BUNDLES}/{folder.name}/{entry.name}", "refused",
                                            entry.sequence, exc.code, dict(exc.params)))
            continue
        try:
            manifest.check_file(entry.name, read_plain(folder / entry.name, MAX_FILE))
        except ManifestFileMismatch as exc:
            refused[entry.name] = ImportItem(manifest.device_id, f"{BUNDLES}/{folder.name}/{entry.name}", "refused",
                                             entry.sequence, exc.code, dict(exc.params))
        except OSError:
            pass  # read again on its own, and refused as unreadable there (or the stick is gone)
    return refused, {entry.name for entry in manifest.entries}


def _one_bundle(engine: Engine, ingestor: Ingestor, path: Path, rel: str, folder_device: str) -> ImportItem:
    try:
        if os.lstat(path).st_size > MAX_FILE:
            from .errors import UploadTooLarge

            raise UploadTooLarge(limit=MAX_FILE)
        data = read_plain(path, MAX_FILE)  # never through a link
        result = ingestor.ingest(data, source="usb")
    except DeviceRevokedError as exc:  # held already: nothing of it is lost; new: refused (worded for the office)
        return _held(engine, data, rel) or ImportItem(folder_device, rel, "refused", code=exc.code,
                                                      params=dict(exc.params))
    except IntakeError as exc:
        return ImportItem(folder_device, rel, "refused", code=exc.code, params=_import_params(exc))
    except OSError:
        return ImportItem(folder_device, rel, "refused", code="import_file_unreadable", params={"file": path.name})
    except Exception as exc:  # a bug with this one bundle: the others are still imported
        if isinstance(exc, SQLAlchemyError) or _is_psycopg(exc, "Error"):
            raise  # the database, not the bundle: the import stops
        log.error("bundle %s refused: unexpected %s", rel, type(exc).__name__)  # never its text (personal data)
        return ImportItem(folder_device, rel, "refused", code="internal")
    outcome = "accepted" if result.status == "stored" else "already_had"
    return ImportItem(result.device_id, rel, outcome, result.sequence, revisions=result.revisions,
                      conflicts=result.conflicts, params={"receipt": result.receipt})


_FOR_IMPORT = ("codebook_unknown_version", "bundle_decompression_limit", "upload_too_large")


def _import_params(exc: IntakeError) -> dict:
    """The refusal's params as the summary words them: problems listed, a limit in MB, and
    ``reason: import`` where the office's wording differs from the laptop's (what to do here)."""
    params = {k: v for k, v in exc.params.items() if k != "problems"}
    if "problems" in exc.params:
        params["problems"] = ", ".join(exc.params["problems"])
    if isinstance(params.get("limit"), int):
        params["limit_mb"] = -(-params["limit"] // (1024 * 1024))
    if exc.code in _FOR_IMPORT:
        params["reason"] = "import"
    return params


def _held(engine: Engine, data: bytes, rel: str) -> ImportItem | None:
    """A bundle of a revoked device the server already holds, byte for byte: already
    received (nothing of it is lost), with the receipt it got then."""
    bundles = Bundle.__table__
    header = read_header(data)
    with engine.connect() as conn:
        row = conn.execute(select(bundles.c.bundle_hash, bundles.c.receipt, bundles.c.revision_count).where(
            bundles.c.device_id == header.device_id, bundles.c.sequence == header.sequence)).first()
    if row is None or row.receipt is None or bytes(row.bundle_hash) != bundle_hash(data):
        return None
    return ImportItem(header.device_id, rel, "already_had", header.sequence, revisions=row.revision_count,
                      params={"receipt": bytes(row.receipt)})


def _write_receipt(root: Path, item: ImportItem) -> None:
    receipt = item.params.pop("receipt")
    folder = secure_mkdir(root / RECEIPTS / item.device_id, below=root)
    target = folder / f"{item.sequence:08d}.receipt"
    try:
        if read_plain(target, MAX_FILE) == receipt:
            return
    except OSError:
        pass  # missing, a link, a folder...: written anew (a link is replaced, never followed)
    atomic_write(target, receipt, mode=0o644)


def _write_status(engine: Engine, keystore, guard: _Stick, device_id: str, summary: ImportSummary,
                  lease_days: int, *, contact: bool, foreign: bool = False) -> None:
    """The same signed status a device gets online: its lease renewed, the current server
    keys, or its revocation; none beside another server's response for it (``foreign``).
    For a device unknown here, the mark that says so (sync/usb.py)."""
    guard.check()  # a pulled stick renews no lease
    if foreign:
        with engine.connect() as conn:
            if devices.get_device(conn, device_id) is None:
                guard.write(_write_unknown_mark, guard.root, device_id)
        return
    try:
        data = devices.status_bytes(engine, keystore, device_id, lease_days=lease_days, contact=contact)
    except UnknownDevice:  # no status to sign; the laptop learns its folder was read here
        guard.write(_write_unknown_mark, guard.root, device_id)
        return
    except IntakeError:
        return  # pending or refused: nothing to tell it
    guard.write(write_status, guard.root, device_id, data)
    summary.statuses.append(device_id)


def _enrollment(engine: Engine, keystore, path: Path, guard: _Stick, summary: ImportSummary, lease_days: int) -> None:
    rel = f"{ENROLL}/{path.name}"
    summary.unread -= 1
    try:
        data = read_plain(path, MAX_FILE)  # never through a link
        request, status = devices.register_request(engine, data, source="usb")
    except DeviceAlreadyEnrolled as exc:
        request = parse_and_verify_request(data)  # it verified a moment ago
        with engine.connect() as conn:
            row = devices.get_device(conn, request.device_id)
        if row is not None and row.status == "revoked" and devices.public_keys(row) == request.device_public:
            summary.enrollments.append((request.device_id, request.fingerprint, "revoked"))
        else:
            summary.items.append(ImportItem(path.stem, rel, "refused", code=exc.code, params=dict(exc.params)))
        return
    except IntakeError as exc:
        summary.items.append(ImportItem(path.stem, rel, "refused", code=exc.code, params=dict(exc.params)))
        return
    except OSError:
        guard.check()  # unreadable because the stick is gone: stop there
        summary.items.append(ImportItem(path.stem, rel, "refused", code="import_file_unreadable",
                                        params={"file": path.name}))
        return
    summary.enrollments.append((request.device_id, request.fingerprint, status))
    if status == "active":
        response = devices.enrollment_response(engine, request.device_id)
        try:
            guard.write(write_enrollment_response, guard.root, request.device_id, response)
        except EnrollmentResponseOtherServer as exc:  # another server's answer stays: reported, not overwritten
            summary.items.append(ImportItem(request.device_id, f"{ENROLL}/{request.device_id}.response", "refused",
                                            code=exc.code,
                                            params={**exc.params, "reason": "import"}))
            return
        summary.responses_written.append(request.device_id)


def _write_unknown_mark(root: Path, device_id: str) -> None:
    target = secure_mkdir(Path(root) / RECEIPTS / device_id, below=Path(root)) / UNKNOWN_MARK
    atomic_write(target, b"intake-server: equipo no inscrito aqui / laptop not enrolled here\n", mode=0o644)


def write_status(root: Path, device_id: str, status: bytes) -> Path:
    """The device's signed status where ``intake sync receipts`` / ``reinstate`` look for it."""
    target = secure_mkdir(Path(root) / RECEIPTS / device_id, below=Path(root)) / STATUS
    atomic_write(target, status, mode=0o644)
    return target


def write_enrollment_response(root: Path, device_id: str, response: bytes) -> Path:
    """This server's response; never over another server's (``usb_enroll``)."""
    target = response_target(Path(root), device_id, response)
    atomic_write(target, response, mode=0o644)
    return target
