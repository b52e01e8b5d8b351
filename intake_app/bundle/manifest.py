"""The manifest a device writes beside its bundles on a USB stick.

It lists each bundle file with its sequence number, size and sha256, signed by the
device (Ed25519 + ML-DSA-65). The server uses it to tell a complete stick from one
pulled out mid-copy, and to report which listed files are missing or damaged.
Several devices can share a stick: each writes its own manifest
(:func:`manifest_filename`). Layout: ``docs/bundle-format.md``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ManifestFileMismatch, ManifestMalformed, ManifestSignatureInvalid
from .format import (
    FieldError,
    check_bytes,
    check_id,
    check_int,
    check_list,
    check_map,
    check_utc,
    open_envelope,
    seal_envelope,
)
from .keys import SigningKeys, SigningPublicKeys

MAGIC_MANIFEST = b"\x89ITKM\r\n\x1a"
MANIFEST_VERSION = 1
MAX_ENTRIES = 100_000
# A plain file name: no folders, no "..", no hidden files, nothing a shell or FAT mangles.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)


def manifest_filename(device_id: str) -> str:
    return f"{device_id}.intake-manifest"


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    sequence: int
    size: int
    sha256: bytes

    @classmethod
    def for_file(cls, name: str, data: bytes, sequence: int) -> "ManifestEntry":
        return cls(name, sequence, len(data), hashlib.sha256(data).digest())

    def to_wire(self) -> dict:
        return {"name": self.name, "sequence": self.sequence, "size": self.size, "sha256": self.sha256}

    @classmethod
    def from_wire(cls, value: object) -> "ManifestEntry":
        d = check_map(value, "entry", {"name", "sequence", "size", "sha256"})
        name = d["name"]
        if type(name) is not str or not _NAME.fullmatch(name) or ".." in name:
            raise FieldError("name")
        return cls(name, check_int(d["sequence"], "sequence", lo=1), check_int(d["size"], "size"),
                   check_bytes(d["sha256"], "sha256", 32))


@dataclass(frozen=True)
class Manifest:
    device_id: str
    created_at: str
    entries: tuple[ManifestEntry, ...]  # by sequence

    def to_wire(self) -> dict:
        return {"device_id": self.device_id, "created_at": self.created_at,
                "entries": [e.to_wire() for e in self.entries]}

    @classmethod
    def from_wire(cls, value: object) -> "Manifest":
        d = check_map(value, "manifest", {"device_id", "created_at", "entries"})
        entries = tuple(ManifestEntry.from_wire(e) for e in check_list(d["entries"], "entries", MAX_ENTRIES))
        if [e.sequence for e in entries] != sorted({e.sequence for e in entries}) \
                or len({e.name for e in entries}) != len(entries):
            raise FieldError("entries")
        return cls(check_id(d["device_id"], "device_id"), check_utc(d["created_at"], "created_at"), entries)

    def check_file(self, name: str, data: bytes | None) -> ManifestEntry:
        """The entry for ``name`` when ``data`` (None: file absent) matches it."""
        entry = next((e for e in self.entries if e.name == name), None)
        if entry is None:
            raise ManifestFileMismatch(file=name, problem="not_listed")
        if data is None:
            raise ManifestFileMismatch(file=name, problem="missing")
        if len(data) < entry.size:  # cut short (a stick pulled while copying), not changed
            raise ManifestFileMismatch(file=name, problem="incomplete")
        if len(data) != entry.size or hashlib.sha256(data).digest() != entry.sha256:
            raise ManifestFileMismatch(file=name, problem="differs")
        return entry


def build_manifest(*, device_id: str, created_at: str, entries: Iterable[ManifestEntry],
                   device_keys: SigningKeys) -> bytes:
    manifest = Manifest(device_id, created_at, tuple(sorted(entries, key=lambda e: e.sequence)))
    Manifest.from_wire(manifest.to_wire())  # the reader's checks: never write what we refuse
    return seal_envelope(MAGIC_MANIFEST, MANIFEST_VERSION, manifest.to_wire(), device_keys)


def _open(data: bytes):
    env = open_envelope(data, magic=MAGIC_MANIFEST, max_version=MANIFEST_VERSION, error=ManifestMalformed)
    try:
        return env, Manifest.from_wire(env.body)
    except FieldError as exc:
        raise ManifestMalformed(part=exc.args[0]) from None


def read_manifest(data: bytes) -> Manifest:
    """Parse without checking the signature: tells the server which device's keys to use."""
    return _open(data)[1]


def parse_and_verify_manifest(data: bytes, device_public: SigningPublicKeys) -> Manifest:
    env, manifest = _open(data)
    if not env.verified_by(device_public):
        raise ManifestSignatureInvalid(device_id=manifest.device_id)
    return manifest
