"""``intake case show``: a label that is a question is not followed by a colon («¿qué le
ocurrió? Captación», not «¿qué le ocurrió?: Captación»), as in the PDF and the screening
panel; other labels keep theirs. Fictional data only."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES


def _run(home, passphrase_file, *args, lang=None):
    cmd = [sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(passphrase_file)]
    if lang:
        cmd += ["--lang", lang]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1", "INTAKE_OFFICER": "ana.ficticia"}
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_a_question_label_gets_no_colon(home, passphrase_file):
    _run(home, passphrase_file, "vault", "init", "--officer", "ana.ficticia")
    case_id = _run(home, passphrase_file, "case", "add", "--json",
                   str(SAMPLES / "intake-adult-woman.json")).strip()
    es = _run(home, passphrase_file, "case", "show", case_id)
    en = _run(home, passphrase_file, "case", "show", case_id, lang="en")
    assert "  Acción: ¿qué le ocurrió? Captación" in es, es
    assert "  Act: what happened to the person? Recruitment" in en, en
    assert "?:" not in es and "?:" not in en
    assert "  Fecha de nacimiento: " in es and "  Date of birth: " in en  # other labels keep their colon
