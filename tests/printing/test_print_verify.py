"""The verification code: checks out for the printed revision, fails for an edited record,
an altered code or another device; the QR holds no personal data."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from intake_app.printing import describe_print_error, prepare, verify_print
from intake_app.printing import errors as pe
from intake_app.printing.verify import CROCKFORD, parse_code


def _swap(code: str, index: int) -> str:
    """``code`` with the character at ``index`` (of the ungrouped code) replaced."""
    raw = code.replace("-", "")
    c = raw[index]
    raw = raw[:index] + CROCKFORD[(CROCKFORD.index(c) + 1) % 32] + raw[index + 1:]
    return raw


def test_code_checks_out_for_the_printed_revision(vault, cases):
    case_id = cases["intake-adult-woman"]
    official = prepare(vault, case_id, copy="official")
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}", official.code)
    check = verify_print(vault, official.code)
    rec = vault.get_case(case_id)
    assert (check.case_id, check.revision_id, check.copy, check.recipient) == (case_id, rec.revision_id,
                                                                               "official", None)
    redacted = prepare(vault, case_id, copy="redacted", recipient="inamu")
    assert verify_print(vault, redacted.code).recipient == "inamu"
    # typed by a person: lower case, spaces, O for 0, I or L for 1
    typed = official.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert verify_print(vault, typed).revision_id == rec.revision_id


def test_code_fails_for_an_edited_record(vault, cases, sample):
    case_id = cases["intake-adult-woman"]
    printed = prepare(vault, case_id, copy="official")
    edited = sample("intake-adult-woman")
    edited["case_status"] = "follow_up"
    vault.save_case(edited, case_id=case_id)
    with pytest.raises(pe.PrintSuperseded) as info:
        verify_print(vault, printed.code)
    assert info.value.params["newer"] == 1
    assert "revisión anterior" in describe_print_error(info.value, "es")
    assert verify_print(vault, prepare(vault, case_id).code).revision_number == 2


@pytest.mark.parametrize("index", [0, 5, 12, 14, 22, 30])
def test_an_altered_code_fails(vault, cases, index):
    code = prepare(vault, cases["intake-adult-woman"]).code
    raw = _swap(code, index)
    with pytest.raises((pe.PrintCodeMalformed, pe.PrintCodeInvalid, pe.PrintCodeUnknownCase)):
        verify_print(vault, raw)


def test_a_forged_code_with_a_valid_check_character_fails(vault, cases):
    """Someone who knows the format rebuilds the check character: the signature tag still fails."""
    from intake_app.printing.verify import _check_char, group

    code = prepare(vault, cases["intake-adult-woman"]).code.replace("-", "")
    body = code[:25] + ("0" if code[25] != "0" else "1") + code[26:31]
    with pytest.raises(pe.PrintCodeInvalid):
        verify_print(vault, group(body + _check_char(body)))
    # the official code cannot pass as a redacted one
    body = code[:12] + "1" + code[13:31]
    with pytest.raises(pe.PrintCodeInvalid):
        verify_print(vault, group(body + _check_char(body)))


@pytest.mark.parametrize("text, problem", [("", "length"), ("ABCD-EFGH", "length"),
                                           ("UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU", "characters"),
                                           ("INTAKE1:XYZ", "qr_parts")])
def test_malformed_codes(vault, text, problem):
    with pytest.raises(pe.PrintCodeMalformed) as info:
        verify_print(vault, text)
    assert info.value.params["problem"] == problem


def test_unknown_case_and_another_device(vault, cases, tmp_path):
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    code = prepare(vault, cases["intake-adult-woman"]).code
    other = Vault.create(tmp_path / "other", "otro.oficial", PASSPHRASE)
    try:
        with pytest.raises(pe.PrintCodeUnknownCase):
            verify_print(other, code)
    finally:
        other.close()


def test_qr_text_is_verified_with_the_full_signature(vault, cases):
    case_id = cases["intake-adult-woman"]
    result = prepare(vault, case_id, copy="redacted", recipient="shelter")
    from intake_app.printing.verify import make_code

    rec = vault.get_case(case_id)
    qr = make_code(vault.device_keys().ed25519_seed, case_id, rec.content_hash, "redacted", "shelter").qr
    assert qr.split(":")[1] == result.code.replace("-", "")
    assert len(qr) == 197 and re.fullmatch(r"[0-9A-Z:]+", qr)  # QR alphanumeric mode, no personal data
    check = verify_print(vault, qr)
    assert check.full_signature and check.recipient == "shelter"
    parts = qr.split(":")
    bad_sig = parts[3][:-2] + ("A" if parts[3][-2] != "A" else "B") + parts[3][-1]
    with pytest.raises((pe.PrintCodeInvalid, pe.PrintCodeMalformed)):
        verify_print(vault, ":".join(parts[:3] + [bad_sig]))


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler/zbar not installed")
def test_the_printed_qr_scans(vault, cases, tmp_path):
    pdf = prepare(vault, cases["intake-adult-woman"], copy="official").pdf
    (tmp_path / "s.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(tmp_path / "s.pdf"),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True).stdout.strip()
    assert out.startswith("INTAKE1:")
    assert verify_print(vault, out).case_id == cases["intake-adult-woman"]
    assert parse_code(out).signature is not None
