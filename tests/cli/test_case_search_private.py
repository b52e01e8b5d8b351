"""``intake case search`` without TEXT (or with ``-``): the name or document number is typed
at a prompt or read from standard input, never put on the command line, where it stays in
the shell's history and, while the command runs, in ``/proc/<pid>/cmdline`` that any user
of the laptop can read (privacy review). FICTIONAL case (the adult woman sample)."""

from __future__ import annotations

import pytest

import intake_app.cli.case_cmds as case_cmds
from tests.conftest import load_sample


@pytest.fixture
def opened(vault, home, passphrase_file):
    vault.save_case(load_sample("intake-adult-woman"))
    vault.close()
    return ["--home", home, "--passphrase-file", passphrase_file]


@pytest.mark.parametrize("arg", [[], ["-"]])
def test_a_script_passes_the_text_on_standard_input(intake, opened, arg):
    code, out, err = intake(*opened, "case", "search", *arg, input="yelitza\n")
    assert code == 0 and len(out.splitlines()) == 1, err
    assert "yelitza" not in (out + err).lower()  # not echoed back


def test_a_person_types_it_at_a_prompt(intake, opened, monkeypatch):
    monkeypatch.setattr(case_cmds, "interactive", lambda: True)
    code, out, err = intake(*opened, "case", "search", input="FICT-884213\n")
    assert code == 0 and len(out.splitlines()) == 1, err
    assert "Buscar (nombre o número de documento)" in err


@pytest.mark.parametrize("lang, words", [("es", "No se indicó qué buscar"), ("en", "Nothing to search for")])
def test_no_text_is_a_worded_refusal(intake, opened, lang, words):
    code, out, err = intake(*opened, "--lang", lang, "case", "search", input="  \n")
    assert code == 2 and words in err and out == ""
    assert "Traceback" not in err


def test_the_text_on_the_command_line_still_works(intake, opened):
    code, out, _ = intake(*opened, "case", "search", "yelitza")
    assert code == 0 and len(out.splitlines()) == 1
