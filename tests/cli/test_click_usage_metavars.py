"""The usage line's ``[OPTIONS] COMMAND [ARGS]...`` and an option's value type (``TEXT``,
``FILE``, ``DIRECTORY``, ``INTEGER RANGE``) are not Click gettext texts: they are worded
in Spanish too (``[OPCIONES] COMANDO [ARGUMENTOS]...``, ``TEXTO``, ``ARCHIVO``...), for
both ``intake`` and ``intake-server``, and stay Click's English with ``--lang en``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from intake_app import i18n
from intake_app.cli import main as intake_main
from intake_app.server.cli import main as server_main

ENGLISH_WORDS = ("[OPTIONS]", "COMMAND [ARGS]", " TEXT ", " FILE ", " DIRECTORY ", "INTEGER")


def _run(main, *args: str) -> tuple[int, str, str]:
    i18n.set_language("es")
    try:
        with CliRunner().isolation() as (out, err, _):
            code = main(list(args))
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        i18n.set_language("es")  # --lang is process-wide


@pytest.mark.parametrize(("main", "prog"), [(intake_main, "intake"), (server_main, "intake-server")])
def test_help_usage_and_types_are_spanish(main, prog):
    code, out, _ = _run(main, "--help")
    assert code == 0
    assert out.startswith(f"Uso: {prog} [OPCIONES] COMANDO [ARGUMENTOS]...")
    assert "[OPTIONS]" not in out and "[ARGS]" not in out
    assert "--home CARPETA" in out and "--passphrase-file ARCHIVO" in out
    assert [w for w in ENGLISH_WORDS if w in out.replace("\n", " ")] == []


@pytest.mark.parametrize(("main", "prog"), [(intake_main, "intake"), (server_main, "intake-server")])
def test_help_usage_and_types_stay_english_with_lang_en(main, prog):
    code, out, _ = _run(main, "--lang", "en", "--help")
    assert code == 0
    assert out.startswith(f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...")
    assert "[OPCIONES]" not in out and "CARPETA" not in out
    assert "--home DIRECTORY" in out and "--passphrase-file FILE" in out


def test_a_range_and_text_option_and_a_subcommand_usage_are_spanish():
    code, out, _ = _run(intake_main, "case", "list", "--help")
    assert code == 0 and out.startswith("Uso: intake case list [OPCIONES]\n")
    assert "--limit ENTERO" in out and "INTEGER RANGE" not in out
    code, out, _ = _run(intake_main, "--help")
    assert "--officer TEXTO" in out
    code, out, _ = _run(server_main, "serve", "--help")
    assert code == 0 and "--port ENTERO" in out and "INTEGER" not in out
    code, out, _ = _run(intake_main, "--lang", "en", "case", "list", "--help")
    assert "--limit INTEGER RANGE" in out


def test_a_usage_error_shows_the_spanish_usage_line():
    code, _, err = _run(intake_main, "case", "show")
    assert code == 2 and "Uso: intake case show [OPCIONES] ID_CASO" in err


def test_argument_names_are_spanish_in_spanish_and_english_in_english():
    code, out, _ = _run(intake_main, "case", "show", "--help")
    assert code == 0 and "[OPCIONES] ID_CASO" in out and "CASE_ID" not in out
    code, _, err = _run(intake_main, "case", "show")
    assert code == 2 and "'ID_CASO'" in err and "CASE_ID" not in err
    code, out, _ = _run(server_main, "device", "show", "--help")
    assert code == 0 and "ID_EQUIPO" in out and "DEVICE_ID" not in out
    code, out, _ = _run(intake_main, "--lang", "en", "case", "show", "--help")
    assert code == 0 and "[OPTIONS] CASE_ID" in out
