"""The USB stick under an import: a full, locked or pulled stick told apart, and the check
that before each read and write the folder is still the stick seen at the start (``usb``);
and the import's summary (:class:`ImportSummary` of :class:`ImportItem`) as the operator reads
it (``summary_lines``, ``merge_summaries``).

The summary counts bundles only: one line of totals, then a roll-up per laptop, those with a
refused bundle first, each refusal's reason said once for the files that share it; a laptop
unknown here (or of another deployment) gets one statement, its manifest's "not enrolled" left
out beside its bundles' own reason. Manifest problems, files ignored (``usb``) and missing
bundles (as ranges, the rest counted) are said apart; problems of the stick itself (links,
odd folders, enrollment requests) follow. ``verbose`` adds a line per stored file.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import i18n
from ..fsutil import PART_SUFFIX, is_part_leftover, os_error_kind, remove_stale_parts
from .errors import ImportStickFull, ImportStickReadOnly, ImportStickRemoved, ImportStopped, StickWriteFailed

BUNDLES, RECEIPTS, ENROLL = "intake-bundles", "intake-receipts", "intake-enroll"
PROBE = ".intake-write-probe"
BUNDLE_SUFFIXES = (".bundle", ".intake-bundle")


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


# --- the summary (intake-server import) -------------------------------------------------------
@dataclass
class ImportItem:
    device_id: str
    file: str  # relative to DIR: never a person's name, only what the exporter wrote
    outcome: str  # accepted, already_had, refused, ignored (a stray file: ``usb``'s docstring)
    sequence: int | None = None
    code: str | None = None
    params: dict = field(default_factory=dict)
    revisions: int = 0
    conflicts: int = 0
    stick: str = ""  # the stick it came from, when several were imported at once (merge_summaries)


@dataclass
class ImportSummary:
    items: list[ImportItem] = field(default_factory=list)
    gaps: dict[str, list[int]] = field(default_factory=dict)
    # device_id, fingerprint, status (a device state, or revoked / pending_other_server: usb_enroll)
    enrollments: list[tuple[str, str, str]] = field(default_factory=list)
    responses_written: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # devices whose signed status was left on the stick
    unfinished: list[str] = field(default_factory=list)  # devices whose export was cut short (usb_contents)
    unread: int = 0  # files (bundles, requests) not read because the import stopped

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)


def _kind(item) -> str:
    """bundle (counted in the totals), manifest (its problems, and bundles it lists that are
    not on the stick) or other (the stick's own: links, odd folders, enrollment requests)."""
    parts = item.file.split("/")
    if parts[0] != BUNDLES or len(parts) != 3:
        return "other"
    if item.code == "manifest_file_mismatch" and item.params.get("problem") == "missing":
        return "manifest"
    return "bundle" if parts[2].endswith(BUNDLE_SUFFIXES) else "manifest"


def _shown(item) -> str:
    return f"{item.stick}/{item.file}" if item.stick else item.file


def _reason(item) -> str:
    if item.code == "device_revoked":  # the office's words, not the laptop's ("your vault is locked")
        return i18n.t("server.import_device_revoked", device=item.params.get("device_id", item.device_id))
    return i18n.describe_code(item.code, item.params) if item.code else ""  # worded; the code is in the audit log


def _file_sequence(name: str) -> int | None:
    m = re.search(r"(\d{1,19})\.(?:intake-)?bundle$", name)
    return int(m.group(1)) if m else None


def _more(count: int) -> str:
    return i18n.t("server.import_and_more", count=count) if count > 0 else ""


def ranges(numbers, limit: int = 20) -> str:
    """``1, 12–112, 130`` (the first ``limit`` runs), then how many more."""
    from ..numbers import runs, runs_text

    spans = runs(numbers)
    return runs_text(spans[:limit]) + _more(sum(b - a + 1 for a, b in spans[limit:]))


def _names(items, limit: int = 3) -> str:
    names = [item.file.rsplit("/", 1)[-1] for item in items]
    return ", ".join(names[:limit]) + _more(len(names) - limit)


def _device_lines(device: str, items: list, gaps: list[int] | None, verbose: bool) -> list[str]:
    t = i18n.t
    bundles = [i for i in items if _kind(i) == "bundle"]
    accepted = [i for i in bundles if i.outcome == "accepted"]
    refused = [i for i in bundles if i.outcome == "refused"]
    lines = [t("server.import_device", device=device, accepted=len(accepted),
               revisions=sum(i.revisions for i in accepted), conflicts=sum(i.conflicts for i in accepted),
               already=sum(i.outcome == "already_had" for i in bundles), refused=len(refused))]
    groups: dict[str, list] = {}
    for item in refused:  # one reason, said once for every file that has it
        groups.setdefault(_reason(item), []).append(item)
    for reason, group in groups.items():
        lines.append("  " + (t("server.import_refused", file=_shown(group[0]), reason=reason) if len(group) == 1 else
                             t("server.import_refused_many", count=len(group), files=_names(group), reason=reason)))
    manifest = [i for i in items if _kind(i) == "manifest" and i.outcome == "refused"
                and not (refused and i.code == "device_unknown")]  # beside its bundles' reason: one statement
    missing = [i for i in manifest if i.code == "manifest_file_mismatch"]
    lines += ["  " + t("server.import_manifest", file=_shown(i), reason=_reason(i)) for i in manifest if i not in missing]
    if missing:
        lines.append("  " + t("server.import_manifest_missing", count=len(missing), files=_names(missing)))
    ignored = [i for i in bundles if i.outcome == "ignored"]
    if ignored:
        lines.append("  " + t("server.import_ignored", count=len(ignored), files=_names(ignored)))
    said = {i.sequence or _file_sequence(i.file) for i in refused + missing}  # refused here: said above
    gaps = [g for g in gaps or () if g not in said]
    if gaps:
        lines.append("  " + t("server.import_missing", count=len(gaps), sequences=ranges(gaps)))
    if verbose:
        lines += ["  " + t("server.import_" + i.outcome, file=_shown(i), device=i.device_id, sequence=i.sequence,
                           revisions=i.revisions, conflicts=i.conflicts)
                  for i in bundles if i.outcome in ("accepted", "already_had")]
    return lines


def summary_lines(summary, verbose: bool = False) -> list[str]:
    """The import's summary, line by line (module docstring)."""
    t = i18n.t
    bundles = [i for i in summary.items if _kind(i) == "bundle"]
    lines = [t("server.import_totals", accepted=sum(i.outcome == "accepted" for i in bundles),
               already=sum(i.outcome == "already_had" for i in bundles),
               refused=sum(i.outcome == "refused" for i in bundles))]
    by_device: dict[str, list] = {}
    for item in summary.items:
        if _kind(item) != "other":
            by_device.setdefault(item.device_id, []).append(item)
    devices = sorted(set(by_device) | set(summary.gaps))
    troubled = [d for d in devices if any(i.outcome == "refused" for i in by_device.get(d, []))]
    for device in troubled:
        lines += _device_lines(device, by_device[device], summary.gaps.get(device), verbose)
    lines += [t("server.import_refused", file=_shown(i), reason=_reason(i))
              for i in summary.items if _kind(i) == "other" and i.outcome == "refused"]
    for device in devices:
        if device not in troubled:
            lines += _device_lines(device, by_device.get(device, []), summary.gaps.get(device), verbose)
    lines += [t("server.import_export_unfinished", device=device) for device in summary.unfinished]
    for device_id, fingerprint, status in summary.enrollments:
        key = "server.import_enrollment_revoked" if status == "revoked" else "server.import_enrollment"
        lines.append(t(key, device=device_id, fingerprint=fingerprint, status=t("server.device_state." + status)))
    if summary.statuses:
        lines.append(t("server.import_statuses", count=len(summary.statuses)))
    if summary.unread:
        lines.append(t("server.import_unread", count=summary.unread))
    return lines


def merge_summaries(engine, parts: list):
    """Several sticks (``import A B C``) as one summary: each file named with its stick, and
    the missing bundles of every laptop seen counted after all of them (one stick may bring
    what another lacks)."""
    from .ingest import missing_sequences

    if len(parts) == 1:
        return parts[0][1]
    merged = type(parts[0][1])()
    for stick, summary in parts:
        for item in summary.items:
            item.stick = stick
        merged.items += summary.items
        merged.enrollments += summary.enrollments
        merged.responses_written += summary.responses_written
        merged.statuses += summary.statuses
        merged.unfinished += summary.unfinished
        merged.unread += summary.unread
    seen = sorted({i.device_id for i in merged.items if i.outcome in ("accepted", "already_had")})
    with engine.connect() as conn:
        merged.gaps = {d: gaps for d in seen if (gaps := missing_sequences(conn, d))}
    return merged


def progress_printer(every: int = 100):
    """``progress(done, total)`` for ``usb.import_dir``: bundles read so far on standard error,
    kept on one line at a terminal (at most five times a second), else a line every ``every``
    bundles (a log stays short); ``progress(None, None)`` ends it."""
    import sys
    import time

    import click

    tty = sys.stderr.isatty()
    shown = {"at": 0.0, "line": False}

    def progress(done: int | None, total: int | None) -> None:
        if done is None:
            if shown["line"]:
                click.echo("\r\033[K", nl=False, err=True)  # the line cleared: the summary follows
            shown["line"] = False
            return
        text = i18n.t("server.import_progress", done=done, total=total)
        if tty:
            now = time.monotonic()
            if now - shown["at"] >= 0.2 or done == total:
                shown.update(at=now, line=True)
                click.echo("\r\033[K" + text, nl=False, err=True)
        elif done % every == 0:
            click.echo(text, err=True)

    return progress
