"""The exchange's command line as an operator reads it (from a CLI walkthrough): the
k-anonymous HTCDS export is a flag that takes no number, a key file never silently replaces
a verified key (nor is this server's own key taken as another's), contradictory options of
``prepare`` are refused, and states, purposes, people and times are words, each refusal
with its next step. Every person is fictional."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import text

from intake_app.i18n import set_language
from intake_app.server.cli import main

from .conftest import KEY_PASSPHRASE, PASSWORD, person

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path):
    f = {"pass": tmp_path / "pass.txt", "pw": tmp_path / "pw.txt"}
    f["pass"].write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    f["pw"].write_text(PASSWORD + "\n", encoding="utf-8")
    yield f
    set_language("es")


def cli(capsys, files, server, *args, lang: str = "es") -> tuple[int, str]:
    code = main(["--home", str(server.home), "--passphrase-file", str(files["pass"]), "--password-file",
                 str(files["pw"]), "--lang", lang, *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def audit_params(server, action: str) -> list[dict]:
    with server.engine.connect() as conn:
        rows = conn.execute(text("SELECT detail FROM audit_log WHERE action = :a ORDER BY seq"), {"a": action})
        return [json.loads(d) for (d,) in rows]


# --- 1. export htcds --------------------------------------------------------------------------------
def test_k_anonymous_is_a_flag_that_takes_no_number(make, files, tmp_path, capsys):
    cr = make("cr", "cr_eri")
    cr.laptop().save([person(n) for n in range(3)])
    for value in (["1"], ["0"], ["11"]):  # "1" meaning yes, or a k of one's own: refused, nothing written
        out_file = tmp_path / f"k{value[0]}.csv"
        code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(out_file), "--k-anonymous", *value)
        assert code == 2 and not out_file.exists(), out
        assert "--k-anonymous no lleva valor" in out and "k\u00a0=\u00a011" in out  # no-break spaces
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "e.csv"), "--k-anonymous=1")
    assert code == 2 and not (tmp_path / "e.csv").exists()
    assert "htcds_export" not in cr.audit_actions()

    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "k.csv"), "--k-anonymous")
    assert code == 0, out
    assert "k-anónima (k\u00a0=\u00a011)" in out and "formato CSV" in out
    assert "{" not in out and "k\u00a0=\u00a0-" not in out  # words, never a JSON dict
    assert "De 3 casos, 3 quedaron fuera" in out
    assert audit_params(cr, "htcds_export")[-1]["k"] == 11

    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "full.json"))
    assert code == 0 and "SIN k-anonimato" in out and "formato JSON" in out and "k\u00a0=\u00a0-" not in out, out
    assert audit_params(cr, "htcds_export")[-1]["k"] is None
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "full.csv"), lang="en")
    assert code == 0 and "WITHOUT k-anonymity" in out and "CSV format" in out, out


def test_k_anonymous_summary_words_each_column(make, files, tmp_path, capsys):
    cr = make("cr", "cr_eri")
    cr.laptop().save([person(n, citizenship=("VE" if n < 13 else "CO")) for n in range(14)])
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "k.csv"), "--k-anonymous")
    assert code == 0, out
    assert "Valores vaciados para proteger a las personas, por columna:" in out
    assert re.search(r"\n  [^\n(]+ \(prs_Citizenship\): \d+ valor", out), out  # the label, then the column


def test_an_extension_that_is_not_the_format_is_refused(make, files, tmp_path, capsys):
    cr = make("cr", "cr_eri")
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "casos.txt"))
    assert code == 2 and not (tmp_path / "casos.txt").exists() and ".csv o .json" in out, out
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "casos.json"), "--format", "csv")
    assert code == 2 and not (tmp_path / "casos.json").exists() and "archivo CSV" in out, out
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "casos.txt"), "--format", "csv")
    assert code == 0 and "formato CSV" in out, out  # an explicit format: written, and said
    code, out = cli(capsys, files, cr, "export", "htcds", "--help")
    assert "k=11" in out and "11]" not in out


def test_the_k_of_the_command_line_is_the_web_exports():
    from intake_app.server.exchange import cli as exchange_cli
    from intake_app.server.exchange import htcds, web

    assert exchange_cli.HTCDS_K is htcds.K is web.HTCDS_K == 11


# --- 8. keys import --------------------------------------------------------------------------------
def test_a_verified_key_is_never_silently_replaced(make, files, tmp_path, capsys):
    cr, pa = make("cr", "cr_eri"), make("pa", "pa_uia")
    impostor = make("pa2", "pa_uia")  # another server that says it is the UIA
    for s in (cr, pa, impostor):
        (tmp_path / f"{s.name}.keys").write_bytes(s.key_file())
    keys_import = ["exchange", "keys", "import", "pa_uia"]
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "pa.keys"), "--fingerprint", pa.fingerprint())
    assert code == 0 and pa.fingerprint() in out, out

    # this server's own file, with its own fingerprint: refused, the UIA's key stays
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "cr.keys"), "--fingerprint", cr.fingerprint())
    assert code == 2 and "este mismo servidor" in out, out
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "cr.keys"), "--fingerprint", cr.fingerprint(),
                    "--replace")
    assert code == 2 and "este mismo servidor" in out, out
    code, out = cli(capsys, files, cr, "exchange", "recipients")
    assert pa.fingerprint() in out and cr.fingerprint() not in out

    # another key for the UIA: only with --replace, naming both fingerprints, audited
    new = ["--fingerprint", impostor.fingerprint()]
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "pa2.keys"), *new)
    assert code == 2 and pa.fingerprint() in out and impostor.fingerprint() in out and "--replace" in out, out
    code, out = cli(capsys, files, cr, "exchange", "recipients")
    assert pa.fingerprint() in out and impostor.fingerprint() not in out
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "pa2.keys"), *new, "--replace")
    assert code == 0 and pa.fingerprint() in out and impostor.fingerprint() in out and "reemplazó" in out, out
    last = audit_params(cr, "exchange_key_import")[-1]
    assert last["replaced"] is True and last["old_fingerprint"] == pa.fingerprint()
    assert last["fingerprint"] == impostor.fingerprint()
    code, out = cli(capsys, files, cr, *keys_import, str(tmp_path / "pa2.keys"), *new)  # the same key again
    assert code == 0 and "la misma huella" in out, out


def test_a_wrong_fingerprint_is_not_shown_to_be_copied(make, files, tmp_path, capsys):
    cr, pa = make("cr", "cr_eri"), make("pa", "pa_uia")
    (tmp_path / "pa.keys").write_bytes(pa.key_file())
    for lang in ("es", "en"):
        code, out = cli(capsys, files, cr, "exchange", "keys", "import", "pa_uia", str(tmp_path / "pa.keys"),
                        "--fingerprint", "AAAA-BBBB-CCCC-DDDD-EEEE", lang=lang)
        assert code == 2 and pa.fingerprint() not in out, out
        assert ("número que ya conozca" if lang == "es" else "number you already know") in out
    assert cr.count("exchange_peers") == 0


# --- 9., 16. prepare ------------------------------------------------------------------------------
def test_contradictory_prepare_options_are_refused(make, files, capsys):
    cr = make("cr", "cr_eri")
    case_id, = cr.laptop().save([person(1)])
    base = ["exchange", "prepare", "--recipient", "pa_cnctp", "--supervisor", "sup.uno"]
    for extra, words in ((["--purpose", "services", "--period", "2026-Q3"], "siempre de estadísticas"),
                         (["--case", case_id, "--period", "2026-Q3"], "no las dos cosas"),
                         (["--case", case_id], "--purpose"),
                         (["--purpose", "services"], "--case ID")):
        code, out = cli(capsys, files, cr, *base, *extra)
        assert code == 2 and words in out, (extra, out)
    assert cr.count("exchange_packages") == 0
    code, out = cli(capsys, files, cr, "exchange", "prepare", "--help")
    assert "AAAA-MM-DD" not in out and "2026-Q3" in out and "T3 2026" in out and "aggregate package" in out


def test_the_documented_aggregate_command_works(make, files, capsys):
    cr = make("cr", "cr_eri")
    doc = (ROOT / "docs" / "exchange.md").read_text(encoding="utf-8")
    line, = [ln for ln in doc.splitlines() if ln.startswith("intake-server exchange prepare --recipient pa_cnctp")]
    code, out = cli(capsys, files, cr, *shlex.split(line)[1:])
    assert code == 0, out
    assert "cifras agregadas para CNCTP" in out and "período T3 2026" in out and "reporting" not in out
    assert cr.count("exchange_packages") == 1


# --- 10. states, purposes, people and times in words ---------------------------------------------
def test_states_and_outcomes_are_words_with_the_next_step(make, files, tmp_path, capsys):
    cr, pa = make("cr", "cr_eri"), make("pa", "pa_uia")
    cr.trust(pa)
    pa.trust(cr)
    case_id, = cr.laptop().save([person(1)])
    code, out = cli(capsys, files, cr, "exchange", "prepare", "--recipient", "pa_uia", "--purpose", "services",
                    "--case", case_id, "--supervisor", "sup.uno")
    assert code == 0, out
    pid = out.split()[1]
    assert "Referencia para UIA" in out and "«Atención y servicios de protección»" in out, out
    for code_word in ("referral", "pa_uia", "propósito services"):
        assert code_word not in out
    assert f"intake-server exchange approve {pid} --supervisor" in out

    export = ["exchange", "export", pid, "--out", str(tmp_path / "p.xp"), "--supervisor", "sup.dos"]
    code, out = cli(capsys, files, cr, *export)
    assert code == 2 and not (tmp_path / "p.xp").exists(), out
    assert "«prepared»" not in out and "«approved»" not in out and "segunda persona supervisora" in out
    assert f"intake-server exchange approve {pid} --supervisor" in out
    code, out = cli(capsys, files, cr, *export, lang="en")
    assert code == 2 and "“prepared”" not in out and "second supervisor" in out, out

    code, out = cli(capsys, files, cr, "exchange", "approve", pid, "--supervisor", "sup.dos")
    assert code == 0 and f"intake-server exchange export {pid} --out" in out, out
    code, out = cli(capsys, files, cr, "exchange", "approve", pid, "--supervisor", "sup.uno")
    assert code == 2 and "ya está aprobado" in out and "«approved»" not in out, out
    assert f"intake-server exchange export {pid}" in out
    code, out = cli(capsys, files, cr, "exchange", "list")
    assert f"\tsup.uno\tsup.dos\n" in out and "user:" not in out, out

    code, out = cli(capsys, files, cr, *export)
    assert code == 0, out
    code, out = cli(capsys, files, pa, "exchange", "import", str(tmp_path / "p.xp"))
    assert code == 0 and "(Referencia) de ERI" in out and "referral" not in out and "cr_eri" not in out, out
    code, out = cli(capsys, files, pa, "exchange", "import", str(tmp_path / "p.xp"))
    assert code == 2 and "repetición" in out, out
    assert re.search(r"ya se recibió el \d\d/\d\d/\d{4} \d\d:\d\d \(UTC[+−]\d\d:\d\d\)", out), out
    assert not re.search(r"\d{4}-\d\d-\d\dT", out)  # never the stored stamp
    code, out = cli(capsys, files, pa, "exchange", "received")
    assert "\tAtención y servicios de protección\t" in out and "\tservices\t" not in out, out
