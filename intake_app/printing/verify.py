"""Verification codes printed on every summary: a short code a person can type, and a QR.

What is signed (Ed25519, with the device key of the vault that printed)::

    intake-print-v2|<case id>|<revision content hash, hex>|<copy>|<recipient or ->|<purpose or ->

The message binds everything that decides which data a copy shows: the revision (its content
hash), the copy (official, redacted, person), the recipient institution and, for a redacted
copy, the purpose it was printed for (one of ``sharing.RECORD_PURPOSES``: a prosecution copy
for ERI shows more than a services copy for ERI, so the two carry different codes). The
official copy and the person's copy do not depend on the purpose: theirs is ``-``. Not bound:
the language (the same fields and values, labels translated), the print time, and a purge's
notice (it only removes data, and says so on the paper).

The purpose is not in the code's text (same length, same QR): the verifier tries each record
purpose. Codes printed before purposes were bound were signed over
``intake-print-v1|<case id>|<hash>|<copy>|<recipient or ->``; they still verify, as
"issued before purposes were bound" (``purpose_bound`` False, no purpose).

Ed25519 signatures are deterministic, so the vault that holds the device key can recompute
one and compare a truncated tag; the full 64-byte signature travels in the QR, so whoever
holds only the device's public key (the central server) can check it too. ML-DSA-65
signatures (3,309 bytes) do not fit a printable QR, so prints carry Ed25519 only.

Short code (32 Crockford base32 characters, shown as 8 groups of 4)::

    case id (12) | kind (1: 0 official, 1 redacted, 2 person) | content hash (7 = 35 bits)
    | signature tag (11 = 55 bits) | check character (1)

QR text (QR alphanumeric mode, 197 characters, version 8-M)::

    INTAKE1:<short code without dashes>:<content hash, 52 base32>:<signature, 103 base32>

Neither holds personal data.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..codebook.sharing import RECORD_PURPOSES
from .errors import PrintCodeInvalid, PrintCodeMalformed, PrintCodeUnknownCase, PrintSuperseded
from .summary import DEFAULT_PURPOSE

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(CROCKFORD)}
_VALUE.update({"O": 0, "I": 1, "L": 1})
QR_PREFIX = "INTAKE1"
CODE_LEN = 32
HASH_CHARS, TAG_CHARS = 7, 11
KINDS = {"official": "0", "redacted": "1", "person": "2"}
COPY_OF_KIND = {v: k for k, v in KINDS.items()}


def bound_purpose(copy: str, purpose: str | None) -> str | None:
    """The purpose a copy's code binds: a redacted copy's; None for the others (their content
    does not depend on it)."""
    return purpose if copy == "redacted" else None


def signed_message(case_id: str, content_hash: str, copy: str, recipient: str | None,
                   purpose: str | None = None) -> bytes:
    """The v2 message (``purpose``: see :func:`bound_purpose`)."""
    return f"intake-print-v2|{case_id}|{content_hash}|{copy}|{recipient or '-'}|{purpose or '-'}".encode()


def signed_message_v1(case_id: str, content_hash: str, copy: str, recipient: str | None) -> bytes:
    """The message of codes printed before purposes were bound: verified, never signed."""
    return f"intake-print-v1|{case_id}|{content_hash}|{copy}|{recipient or '-'}".encode()


@dataclass(frozen=True)
class Candidate:
    recipient: str | None
    purpose: str | None
    purpose_bound: bool  # False: a v1 message
    message: bytes


def candidates(case_id: str, content_hash: str, copy: str, recipients) -> list[Candidate]:
    """Every message a genuine code of this copy of this revision may have been signed over:
    v2 for each recipient and record purpose, then v1 for each recipient."""
    purposes = RECORD_PURPOSES if copy == "redacted" else (None,)
    out = [Candidate(r, p, True, signed_message(case_id, content_hash, copy, r, p))
           for p in purposes for r in recipients]
    out += [Candidate(r, None, False, signed_message_v1(case_id, content_hash, copy, r)) for r in recipients]
    return out


def _bits_to_chars(data: bytes, nchars: int) -> str:
    """The first ``nchars * 5`` bits of ``data`` as Crockford base32."""
    n = int.from_bytes(data, "big") >> (len(data) * 8 - nchars * 5)
    return "".join(CROCKFORD[(n >> (5 * (nchars - 1 - i))) & 31] for i in range(nchars))


def _check_char(body: str) -> str:
    # odd weights catch every single mistyped character
    return CROCKFORD[sum((2 * i + 1) * _VALUE[c] for i, c in enumerate(body)) % 32]


def group(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


@dataclass(frozen=True)
class PrintCode:
    short: str  # grouped, e.g. 7KQ3-MX2D-9FAP-1ABC-...
    qr: str  # the QR text


def make_code(private_seed: bytes, case_id: str, content_hash: str, copy: str, recipient: str | None,
              purpose: str = DEFAULT_PURPOSE) -> PrintCode:
    """``purpose``: what the copy is printed for (bound for a redacted copy only)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(private_seed)
    sig = key.sign(signed_message(case_id, content_hash, copy, recipient, bound_purpose(copy, purpose)))
    digest = bytes.fromhex(content_hash)
    body = case_id.replace("-", "") + KINDS[copy] + _bits_to_chars(digest, HASH_CHARS) + _bits_to_chars(sig, TAG_CHARS)
    body += _check_char(body)
    return PrintCode(group(body), f"{QR_PREFIX}:{body}:{_b32(digest)}:{_b32(sig)}")


@dataclass(frozen=True)
class ParsedCode:
    case_id: str
    copy: str
    hash_prefix: str  # 7 base32 characters
    tag: str  # 11 base32 characters
    full_hash: bytes | None = None  # from a QR
    signature: bytes | None = None  # from a QR


def normalize(text: str) -> str:
    return "".join(ch for ch in text.strip().upper() if ch not in "- \t\r\n")


def parse_code(text: str) -> ParsedCode:
    """A typed short code (dashes, spaces, O/0 and I/L/1 tolerated) or a scanned QR text."""
    text = text.strip()
    full_hash = signature = None
    if text.upper().startswith(QR_PREFIX + ":"):
        parts = text.upper().split(":")
        if len(parts) != 4:
            raise PrintCodeMalformed(problem="qr_parts")
        try:
            full_hash, signature = _unb32(parts[2]), _unb32(parts[3])
        except ValueError:
            raise PrintCodeMalformed(problem="qr_encoding") from None
        if len(full_hash) != 32 or len(signature) != 64:
            raise PrintCodeMalformed(problem="qr_encoding")
        text = parts[1]
    code = normalize(text)
    if len(code) != CODE_LEN:
        raise PrintCodeMalformed(problem="length")
    if any(c not in _VALUE for c in code):
        raise PrintCodeMalformed(problem="characters")
    code = "".join(CROCKFORD[_VALUE[c]] for c in code)
    if _check_char(code[:-1]) != code[-1]:
        raise PrintCodeMalformed(problem="check")
    kind = code[12]
    if kind not in COPY_OF_KIND:
        raise PrintCodeMalformed(problem="kind")
    case_id = f"{code[:4]}-{code[4:8]}-{code[8:12]}"
    hash_prefix = code[13:13 + HASH_CHARS]
    tag = code[13 + HASH_CHARS:13 + HASH_CHARS + TAG_CHARS]
    if full_hash is not None:
        if _bits_to_chars(full_hash, HASH_CHARS) != hash_prefix or _bits_to_chars(signature, TAG_CHARS) != tag:
            raise PrintCodeInvalid(case=case_id)
    return ParsedCode(case_id, COPY_OF_KIND[kind], hash_prefix, tag, full_hash, signature)


@dataclass(frozen=True)
class PrintCheck:
    """A code that checks out: the printed revision is the case's current one."""

    case_id: str
    revision_id: str
    revision_number: int  # 1 = first revision
    content_hash: str
    copy: str
    recipient: str | None  # institution code for a redacted copy
    created_at: str
    full_signature: bool  # True when the QR's full Ed25519 signature was checked
    purpose: str | None = None  # a redacted copy's purpose (services, prosecution); None otherwise or when unbound
    purpose_bound: bool = True  # False: a code issued before purposes were bound (a v1 message)


def _recipients_for(cb, copy: str) -> list[str | None]:
    return cb.vocab("institutions").codes if copy == "redacted" else [None]


def verify_print(vault, text: str) -> PrintCheck:
    """Check a printed code against the vault; raises a PrintError subclass when it fails.

    PrintCodeMalformed: not a code (typo, truncated). PrintCodeUnknownCase: the case is not in
    this vault. PrintCodeInvalid: no revision and signature match (altered paper or code, or
    printed by another device). PrintSuperseded: the paper shows an older revision.
    """
    from ..errors import CaseNotFound

    parsed = parse_code(text)
    try:
        history = vault.case_history(parsed.case_id)
    except CaseNotFound:
        raise PrintCodeUnknownCase(case=parsed.case_id) from None
    keys = vault.device_keys()
    private = ed25519.Ed25519PrivateKey.from_private_bytes(keys.ed25519_seed)
    public = private.public_key()
    for number, rec in enumerate(history, 1):
        digest = bytes.fromhex(rec.content_hash)
        if _bits_to_chars(digest, HASH_CHARS) != parsed.hash_prefix:
            continue
        if parsed.full_hash is not None and parsed.full_hash != digest:
            continue
        cb = vault.codebook_for(rec.codebook_version)
        for cand in candidates(rec.case_id, rec.content_hash, parsed.copy, _recipients_for(cb, parsed.copy)):
            if parsed.signature is not None:
                try:
                    public.verify(parsed.signature, cand.message)
                except InvalidSignature:
                    continue
            elif not hmac.compare_digest(_bits_to_chars(private.sign(cand.message), TAG_CHARS), parsed.tag):
                continue
            if number != len(history):
                raise PrintSuperseded(case=rec.case_id, revision=rec.revision_id[:12], newer=len(history) - number)
            return PrintCheck(rec.case_id, rec.revision_id, number, rec.content_hash, parsed.copy, cand.recipient,
                              rec.created_at, parsed.signature is not None, cand.purpose, cand.purpose_bound)
    raise PrintCodeInvalid(case=parsed.case_id)
