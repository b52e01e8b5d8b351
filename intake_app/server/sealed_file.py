"""A large file sealed by the server for itself: encrypted to its own HPKE key and signed
by its own signing keys. Database backups use it (``backup.py``, ``restore.py``), so a
backup on a lost drive reveals nothing without the key file and its passphrase.

``cryptography``'s HPKE seals one message at a time, so the file is cut into chunks and
each chunk is one HPKE message (the bundles' suite: ML-KEM-768+X25519, HKDF-SHA256,
AES-256-GCM; a fresh encapsulation per chunk). Each chunk's HPKE ``info`` binds the
header's hash, the chunk's index and whether it is the last one: chunks cannot be
reordered, dropped, repeated or moved to another file. A trailer signs (Ed25519 and
ML-DSA-65) the SHA-256 of every byte before it. Anyone holding the public HPKE key (every
enrolled device) could encrypt chunks; only the server can sign them.

Layout (docs/server.md §9)::

    header   magic | u16 version | u32 length | canonical msgpack {v, kind, key_id, file_id, created_at}
    chunk    u8 flag (0 more, 1 last) | u32 length | HPKE ciphertext of up to CHUNK bytes
    ...
    trailer  u8 flag 2 | u16 + Ed25519 | u16 + ML-DSA-65 over
             envelope_signed_part(TRAILER_MAGIC, 1, {"sha256": digest of all bytes before the trailer})

A reader checks the whole file (framing, signature) before it decrypts a single chunk,
so a restore never starts from a file that turns out to be tampered with or cut short.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from pathlib import Path
from typing import BinaryIO, Iterator

from ..bundle.codec import canonical_unpackb, envelope_signed_part
from ..bundle.format import SUITE
from ..bundle.keys import hpke_public_key
from ..bundle.serverkeys import ServerKeys
from ..fsutil import atomic_writer
from .errors import BackupInvalid

MAGIC = b"\x89ITKS\r\n\x1a"
TRAILER_MAGIC = b"\x89ITKT\r\n\x1a"
VERSION = 1
CHUNK = 4 * 1024 * 1024
MORE, LAST, TRAILER = 0, 1, 2
INFO = b"intake-sealed-file-v1"
_U16, _U32, _U64 = struct.Struct(">H"), struct.Struct(">I"), struct.Struct(">Q")
_MAX_HEADER = 4096
_MAX_RECORD = CHUNK + 4096  # a chunk and HPKE's encapsulated key and tag


def _info(header_hash: bytes, index: int, flag: int) -> bytes:
    return INFO + header_hash + _U64.pack(index) + bytes([flag])


class SealedWriter:
    """Write plaintext in; sealed chunks go to ``out`` as each fills. ``finish()`` seals the
    last chunk and signs; a writer that is never finished leaves a file no reader accepts."""

    def __init__(self, out: BinaryIO, keys: ServerKeys, kind: str, created_at: str) -> None:
        self.out, self.keys = out, keys
        self.public = hpke_public_key(keys.current.public)
        header = envelope_signed_part(MAGIC, VERSION, {"v": VERSION, "kind": kind, "key_id": keys.current.key_id,
                                                       "file_id": secrets.token_bytes(16), "created_at": created_at})
        self.header_hash = hashlib.sha256(header).digest()
        self.digest = hashlib.sha256()
        self.buffer = bytearray()
        self.index = 0
        self._emit(header)

    def _emit(self, data: bytes) -> None:
        self.digest.update(data)
        self.out.write(data)

    def _seal(self, flag: int) -> None:
        chunk, self.buffer = bytes(self.buffer[:CHUNK]), self.buffer[CHUNK:]
        sealed = SUITE.encrypt(chunk, self.public, info=_info(self.header_hash, self.index, flag))
        self._emit(bytes([flag]) + _U32.pack(len(sealed)) + sealed)
        self.index += 1

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed as LAST
            self._seal(MORE)

    def finish(self) -> None:
        self._seal(LAST)
        signed = envelope_signed_part(TRAILER_MAGIC, VERSION, {"sha256": self.digest.digest()})
        sig_ed, sig_ml = self.keys.signing.sign(signed)
        self.out.write(bytes([TRAILER]) + _U16.pack(len(sig_ed)) + sig_ed + _U16.pack(len(sig_ml)) + sig_ml)


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise BackupInvalid(reason="truncated")
    return data


def _header(f: BinaryIO) -> tuple[bytes, dict]:
    first = f.read(len(MAGIC))
    if first != MAGIC:
        raise BackupInvalid(reason="truncated" if MAGIC.startswith(first) and first else "not_a_backup")
    version = _U16.unpack(_read_exact(f, 2))[0]
    if version != VERSION:
        raise BackupInvalid(reason="version")
    raw_len = _read_exact(f, 4)
    length = _U32.unpack(raw_len)[0]
    if length > _MAX_HEADER:
        raise BackupInvalid(reason="not_a_backup")
    body = _read_exact(f, length)
    try:
        header = canonical_unpackb(body)
        if not isinstance(header, dict) or header.get("v") != VERSION or not isinstance(header.get("key_id"), str) \
                or not isinstance(header.get("kind"), str):
            raise ValueError
    except Exception:
        raise BackupInvalid(reason="not_a_backup") from None
    return first + _U16.pack(version) + raw_len + body, header


def _records(f: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(flag, sealed chunk) up to and including the LAST one; then the trailer must follow."""
    while True:
        flag = f.read(1)
        if not flag:
            raise BackupInvalid(reason="truncated")
        if flag[0] not in (MORE, LAST):
            raise BackupInvalid(reason="truncated" if flag[0] == TRAILER else "not_a_backup")
        length = _U32.unpack(_read_exact(f, 4))[0]
        if length > _MAX_RECORD:
            raise BackupInvalid(reason="not_a_backup")
        yield flag[0], _read_exact(f, length)
        if flag[0] == LAST:
            return


def verify(path: Path, keys: ServerKeys) -> dict:
    """Check framing and the trailer's two signatures over the whole file; the header."""
    return _verify(path, keys)[0]


def _verify(path: Path, keys: ServerKeys) -> tuple[dict, bytes]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        head, header = _header(f)
        digest.update(head)
        for flag, sealed in _records(f):
            digest.update(bytes([flag]) + _U32.pack(len(sealed)) + sealed)
        if f.read(1) != bytes([TRAILER]):
            raise BackupInvalid(reason="truncated")
        sig_ed = _read_exact(f, _U16.unpack(_read_exact(f, 2))[0])
        sig_ml = _read_exact(f, _U16.unpack(_read_exact(f, 2))[0])
        if f.read(1):
            raise BackupInvalid(reason="not_a_backup")  # bytes after the trailer
    signed = envelope_signed_part(TRAILER_MAGIC, VERSION, {"sha256": digest.digest()})
    if not keys.signing_public.verify(sig_ed, sig_ml, signed):
        raise BackupInvalid(reason="signature")
    if keys.hpke_private(header["key_id"]) is None:
        raise BackupInvalid(reason="unknown_key")
    return header, digest.digest()


def plaintext(path: Path, keys: ServerKeys) -> Iterator[bytes]:
    """The file's plaintext, chunk by chunk, after :func:`verify` accepted all of it. The
    second reading is hashed too: a file changed in between raises after its last chunk,
    before a consumer that commits only at the end (restore) has committed anything."""
    _, signed_digest = _verify(path, keys)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        head, header = _header(f)
        digest.update(head)
        header_hash = hashlib.sha256(head).digest()
        private = keys.hpke_private(header["key_id"])
        for index, (flag, sealed) in enumerate(_records(f)):
            digest.update(bytes([flag]) + _U32.pack(len(sealed)) + sealed)
            try:
                chunk = SUITE.decrypt(sealed, private, info=_info(header_hash, index, flag))
            except Exception:  # cannot happen to a signed file unless the key file is not the one it was made with
                raise BackupInvalid(reason="decrypt") from None
            if flag == LAST and digest.digest() != signed_digest:
                raise BackupInvalid(reason="signature")
            yield chunk


def write_sealed(path: Path, keys: ServerKeys, kind: str, created_at: str, chunks: Iterator[bytes]) -> None:
    """Seal ``chunks`` into ``path`` (a private file that appears only once complete)."""
    with atomic_writer(path) as out:
        writer = SealedWriter(out, keys, kind, created_at)
        for chunk in chunks:
            writer.write(chunk)
        writer.finish()
