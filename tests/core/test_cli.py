"""The ``intake`` verbs other issues and scripts rely on, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES


@pytest.fixture
def run(home, passphrase_file):
    def _run(*args, lang=None, check=True, stdin=None):
        cmd = [sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(passphrase_file)]
        if lang:
            cmd += ["--lang", lang]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1", "INTAKE_LOG": "DEBUG",
               "INTAKE_OFFICER": "ana.ficticia"}
        p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, input=stdin, timeout=120)
        if check:
            assert p.returncode == 0, p.stderr
        return p
    return _run


def test_the_documented_verbs(run, tmp_path):
    assert "Bóveda creada" in run("vault", "init", "--officer", "ana.ficticia").stdout
    case_id = run("case", "add", "--json", str(SAMPLES / "intake-adult-woman.json")).stdout.strip()
    assert len(case_id) == 14
    show = run("case", "show", case_id).stdout
    assert "Muñoz Ejemplo" in show and "Explotación sexual" in show and "indicios de posible trata" in show
    assert "sexual_exploitation" not in show  # labels, never codes
    assert "Sexual exploitation" in run("case", "show", case_id, lang="en").stdout
    listing = run("case", "list")
    assert case_id in listing.stdout and "Muñoz" not in listing.stdout  # the list shows no names
    assert "Marcas: T trata" in listing.stderr and "Marcas" not in listing.stdout  # what the letters mean
    assert "Marks: T trafficking" in run("case", "list", lang="en").stderr
    assert case_id in run("case", "search", "munoz").stdout
    # a second intake of the same person gets a duplicate hint, not a merge
    again = run("case", "add", "--json", str(SAMPLES / "intake-adult-woman.json"))
    assert case_id in again.stderr and "no se unió nada" in again.stderr
    run("officer", "add", "beto.ficticio")
    assert "beto.ficticio" in run("officer", "list").stdout
    assert "Bitácora íntegra" in run("audit", "verify").stdout
    assert "no se volvió a cifrar" in run("officer", "passwd").stdout
    new = tmp_path / "new.txt"
    new.write_text("segunda frase ficticia\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "intake_app", "--home", str(tmp_path / "home"), "--passphrase-file",
                        str(new), "--officer", "ana.ficticia", "audit", "verify"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"})
    assert p.returncode == 0 and "Bitácora íntegra" in p.stdout


def test_errors_are_clear_and_leak_nothing(run, tmp_path):
    run("vault", "init", "--officer", "ana.ficticia")
    bad = tmp_path / "bad.json"
    bad.write_text('{"given_names": "Nombre FICTICIO Secreto", "birth_date": "31/02/1990"}', encoding="utf-8")
    p = run("case", "add", "--json", str(bad), check=False)
    assert p.returncode == 2
    assert "Fecha de nacimiento: debe ser una fecha válida" in p.stderr
    assert "Secreto" not in p.stderr + p.stdout and "31/02/1990" not in p.stderr + p.stdout
    p = run("case", "add", "--json", str(bad), lang="en", check=False)
    assert "Date of birth: must be a valid date" in p.stderr
    p = run("case", "show", "XXXX-XXXX-XXXX", check=False)
    assert p.returncode == 2 and "No existe un caso" in p.stderr
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("frase equivocada ficticia\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "intake_app", "--home", str(tmp_path / "home"), "--passphrase-file", str(wrong),
           "case", "list"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 2 and "Frase de paso incorrecta" in p.stderr and "Traceback" not in p.stderr


def test_demo_seed_is_visibly_fictional(run, home):
    run("vault", "init", "--officer", "ana.ficticia")
    assert "200 casos ficticios" in run("demo", "seed", "--cases", "200").stdout
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    with Vault.open(home, "ana.ficticia", PASSPHRASE) as v:
        assert v.count_cases() == 200
        rows = v.conn.execute("SELECT content FROM revisions").fetchall()
        import json

        for (content,) in rows:
            c = json.loads(content)
            assert "DEMO" in c["given_names"]
            assert c.get("document_number", "DEMO").startswith("DEMO")
        flags = [r[0] for r in v.conn.execute("SELECT flags FROM cases")]
        assert any(f & 1 for f in flags) and any(f & 2 for f in flags) and any(f & 16 for f in flags)
        posts = {r[0] for r in v.conn.execute("SELECT DISTINCT border_post FROM cases")}
        assert len(posts) >= 8
