"""The verification code binds the purpose a redacted copy was printed for: an ERI copy for
services and one for prosecution (which shows more) carry different codes, each checks out as
its own purpose, a code printed before purposes were bound still checks out and says so, and a
signature over another purpose does not pass. All persons are fictional."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from intake_app.printing import describe_check, prepare, verify_print
from intake_app.printing import errors as pe
from intake_app.printing import verify as v


def v1_code(seed: bytes, case_id: str, content_hash: str, copy: str, recipient: str | None) -> v.PrintCode:
    """A code as printed before purposes were bound (the old message, the same layout)."""
    message = f"intake-print-v1|{case_id}|{content_hash}|{copy}|{recipient or '-'}".encode()
    return _assemble(seed, message, case_id, content_hash, copy)


def _assemble(seed: bytes, message: bytes, case_id: str, content_hash: str, copy: str) -> v.PrintCode:
    sig = ed25519.Ed25519PrivateKey.from_private_bytes(seed).sign(message)
    digest = bytes.fromhex(content_hash)
    body = case_id.replace("-", "") + v.KINDS[copy] + v._bits_to_chars(digest, v.HASH_CHARS) \
        + v._bits_to_chars(sig, v.TAG_CHARS)
    body += v._check_char(body)
    return v.PrintCode(v.group(body), f"{v.QR_PREFIX}:{body}:{v._b32(digest)}:{v._b32(sig)}")


@pytest.fixture
def eri_case(vault, sample):
    """A fictional case consented for services and prosecution, and its two ERI copies."""
    rec = sample("intake-adult-woman")
    rec["consent_purposes"] = ["services", "prosecution"]
    case_id = vault.save_case(rec).case_id
    services = prepare(vault, case_id, copy="redacted", recipient="eri", purpose="services")
    prosecution = prepare(vault, case_id, copy="redacted", recipient="eri", purpose="prosecution")
    return case_id, services, prosecution


def test_copies_for_different_purposes_get_different_codes(vault, eri_case):
    case_id, services, prosecution = eri_case
    assert services.pdf != prosecution.pdf  # the two copies say different things...
    assert services.code != prosecution.code  # ...so they carry different codes
    assert len(services.code) == len(prosecution.code) == 39  # same printed length (8 groups of 4)
    rec = vault.get_case(case_id)
    seed = vault.device_keys().ed25519_seed
    for purpose, result in (("services", services), ("prosecution", prosecution)):
        qr = v.make_code(seed, case_id, rec.content_hash, "redacted", "eri", purpose).qr
        assert qr.split(":")[1] == result.code.replace("-", "") and len(qr) == 197  # same QR size
    # the official copy does not depend on the purpose: one code whatever the purpose asked for
    assert prepare(vault, case_id, purpose="services").code == prepare(vault, case_id, purpose="prosecution").code


def test_each_copy_verifies_as_its_own_purpose(vault, eri_case):
    case_id, services, prosecution = eri_case
    rec = vault.get_case(case_id)
    seed = vault.device_keys().ed25519_seed
    for purpose, result in (("services", services), ("prosecution", prosecution)):
        typed = verify_print(vault, result.code)  # the short code: the laptop recomputes the tag
        scanned = verify_print(vault, v.make_code(seed, case_id, rec.content_hash, "redacted", "eri", purpose).qr)
        for check in (typed, scanned):
            assert (check.copy, check.recipient, check.purpose, check.purpose_bound) == \
                ("redacted", "eri", purpose, True)
    words = describe_check(verify_print(vault, prosecution.code), "es")
    assert "ERI" in words and "Investigación penal" in words and "firmado en el código" in words
    assert "Atención y servicios de protección" in describe_check(verify_print(vault, services.code), "es")
    assert "Criminal investigation" in describe_check(verify_print(vault, prosecution.code), "en")
    official = verify_print(vault, prepare(vault, case_id).code)
    assert (official.purpose, official.purpose_bound) == (None, True)
    assert "Propósito" not in describe_check(official, "es")


@pytest.mark.parametrize("copy, recipient", [("redacted", "eri"), ("official", None)])
def test_a_code_printed_before_purposes_were_bound_still_verifies(vault, cases, copy, recipient):
    case_id = cases["intake-adult-woman"]
    rec = vault.get_case(case_id)
    old = v1_code(vault.device_keys().ed25519_seed, case_id, rec.content_hash, copy, recipient)
    for text in (old.short, old.qr):
        check = verify_print(vault, text)
        assert (check.revision_id, check.copy, check.recipient) == (rec.revision_id, copy, recipient)
        assert check.purpose is None and check.purpose_bound is False
    assert "antes de que el propósito quedara firmado" in describe_check(check, "es")
    assert "issued before purposes were bound" in describe_check(check, "en")


def test_a_code_with_a_tampered_purpose_fails(vault, eri_case):
    case_id, _, prosecution = eri_case
    rec = vault.get_case(case_id)
    seed = vault.device_keys().ed25519_seed
    qr = v.make_code(seed, case_id, rec.content_hash, "redacted", "eri", "prosecution").qr
    assert qr.split(":")[1] == prosecution.code.replace("-", "")
    # the prosecution copy's signature is not one over the services message (nor the old one)
    sig = v._unb32(qr.split(":")[3])
    public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    public.verify(sig, v.signed_message(case_id, rec.content_hash, "redacted", "eri", "prosecution"))
    for message in (v.signed_message(case_id, rec.content_hash, "redacted", "eri", "services"),
                    v.signed_message_v1(case_id, rec.content_hash, "redacted", "eri")):
        with pytest.raises(InvalidSignature):
            public.verify(sig, message)
    # a code signed over a purpose no copy of a record is printed for does not check out
    research = _assemble(seed, v.signed_message(case_id, rec.content_hash, "redacted", "eri", "research"),
                         case_id, rec.content_hash, "redacted")
    for text in (research.short, research.qr):
        with pytest.raises(pe.PrintCodeInvalid):
            verify_print(vault, text)
