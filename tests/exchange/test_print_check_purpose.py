"""The office check names the purpose a redacted copy was printed for (bound in its code), tells
an old code issued before purposes were bound, and refuses a signature over another purpose;
``describe`` (the server command's answer) and the supervisors' page say it, Spanish first. All persons are fictional."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import text

from intake_app.printing import verify as v
from intake_app.printing.errors import PrintCodeInvalid
from intake_app.printing.verify import make_code
from intake_app.server.print_check import check_print, describe

from .conftest import person
from .test_print_check import head_hash


def _signed(seed: bytes, message: bytes, case_id: str, content_hash: str, copy: str) -> str:
    """The QR text of a code signed over ``message`` (the printed layout)."""
    sig = ed25519.Ed25519PrivateKey.from_private_bytes(seed).sign(message)
    digest = bytes.fromhex(content_hash)
    body = case_id.replace("-", "") + v.KINDS[copy] + v._bits_to_chars(digest, v.HASH_CHARS) \
        + v._bits_to_chars(sig, v.TAG_CHARS)
    body += v._check_char(body)
    return f"{v.QR_PREFIX}:{body}:{v._b32(digest)}:{v._b32(sig)}"


def test_the_office_check_names_the_purpose(pair):
    cr, _ = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(91, purposes=("services", "prosecution"))])
    first = head_hash(cr, case_id)
    seed = laptop.keys.ed25519_seed
    services = make_code(seed, case_id, first, "redacted", "eri", "services")
    prosecution = make_code(seed, case_id, first, "redacted", "eri", "prosecution")
    assert services.qr != prosecution.qr and len(services.qr) == len(prosecution.qr) == 197

    for purpose, code, label in (("services", services, "Atención y servicios de protección"),
                                 ("prosecution", prosecution, "Investigación penal")):
        check = check_print(cr.engine, code.qr, actor="user:sup.uno")
        assert (check.copy, check.recipient, check.purpose, check.purpose_bound) == ("redacted", "eri", purpose, True)
        assert label in describe(check, "es") and "FICTICIA" not in describe(check, "es")
    assert "Criminal investigation" in describe(check, "en")

    old = _signed(seed, f"intake-print-v1|{case_id}|{first}|redacted|eri".encode(), case_id, first, "redacted")
    check = check_print(cr.engine, old, actor="user:sup.uno")
    assert (check.recipient, check.purpose, check.purpose_bound) == ("eri", None, False)
    assert "antes de que el propósito quedara firmado" in describe(check, "es")
    assert "issued before purposes were bound" in describe(check, "en")

    tampered = _signed(seed, v.signed_message(case_id, first, "redacted", "eri", "research"), case_id, first,
                       "redacted")
    with pytest.raises(PrintCodeInvalid):
        check_print(cr.engine, tampered, actor="user:sup.uno")

    with cr.engine.connect() as conn:
        details = [r[0] for r in conn.execute(text("SELECT detail FROM audit_log WHERE action = 'print_check'"
                                                   " ORDER BY seq"))]
    assert ['"purpose":"services"' in details[0], '"purpose":"prosecution"' in details[1],
            '"purpose_bound":false' in details[2]] == [True, True, True]


def test_the_office_page_names_the_purpose(pair):
    from .test_pages import serving, signed_in

    cr, _ = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(92, purposes=("services", "prosecution"))])
    code = make_code(laptop.keys.ed25519_seed, case_id, head_hash(cr, case_id), "redacted", "eri", "prosecution")
    with serving(cr) as url:
        sup = signed_in(url, "sup.uno")
        page = sup.post("/exchange/verify-print", data={"code": code.qr})
        assert page.status_code == 200 and "Resumen auténtico: caso " + case_id in page.text
        assert "Investigación penal" in page.text
