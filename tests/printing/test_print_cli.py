"""``intake case print`` and ``intake verify-print`` run as an officer would."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES


def _run(home, passphrase_file, *args):
    cmd = [sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(passphrase_file),
           *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1", "INTAKE_OFFICER": "ana.ficticia"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_print_and_verify_from_the_command_line(home, passphrase_file, tmp_path):
    assert _run(home, passphrase_file, "vault", "init", "--officer", "ana.ficticia").returncode == 0
    case_id = _run(home, passphrase_file, "case", "add", "--json",
                   str(SAMPLES / "intake-unaccompanied-boy.json")).stdout.strip()
    out = tmp_path / "resumen.pdf"
    p = _run(home, passphrase_file, "case", "print", case_id, "--copy", "official", "--lang", "es", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes().startswith(b"%PDF")
    code = p.stdout.strip().rsplit(" ", 1)[-1]
    assert "copia oficial" in p.stdout and "FICTICIO" not in p.stdout

    ok = _run(home, passphrase_file, "verify-print", code)
    assert ok.returncode == 0 and "Código válido" in ok.stdout and case_id in ok.stdout

    # a copy the consent does not cover: refused, worded with the institution's name, nothing written
    refused_out = tmp_path / "consulado.pdf"
    p = _run(home, passphrase_file, "case", "print", case_id, "--copy", "redacted", "--recipient", "consulate",
             "--out", str(refused_out))
    assert p.returncode == 2 and "Consulado del país de la persona" in p.stderr and "FICTICIO" not in p.stderr
    assert not refused_out.exists()

    p = _run(home, passphrase_file, "case", "print", case_id, "--copy", "redacted", "--recipient", "senniaf",
             "--lang", "en", "--out", str(tmp_path / "senniaf.pdf"))
    assert p.returncode == 0 and "SENNIAF" in p.stdout

    bad = _run(home, passphrase_file, "verify-print", code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert bad.returncode == 2 and "no es válido" in bad.stderr
    audit = _run(home, passphrase_file, "audit", "show", "--case", case_id).stdout
    assert audit.count("impresión") >= 2 and "impresión rechazada" in audit
    import re

    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d \(UTC[+−]\d\d:\d\d\)", audit)  # local time, as a person reads it
