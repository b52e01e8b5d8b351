"""Click's own texts (usage, help headings, usage errors) and our prompts speak the
person's language: Spanish by default, English with ``--lang en``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from intake_app.cli import click_text
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE

ENGLISH = ("Usage:", "Options:", "Commands:", "Missing", "No such", "Invalid value", "is not one of", "Try '",
           "do not match", "Show this message")


def _no_english(text: str) -> None:
    assert [w for w in ENGLISH if w in text] == [], text


def test_usage_errors_are_spanish(intake):
    code, _, err = intake("case", "show")
    assert code == 2 and "Uso: intake case show" in err and "Falta el argumento 'ID_CASO'." in err
    assert "Escriba «intake case show --help» para ver la ayuda." in err
    _no_english(err)
    code, _, err = intake("nope")
    assert code == 2 and "No existe el comando «nope»." in err
    _no_english(err)
    code, _, err = intake("case", "show", "--nope")
    assert code == 2 and "No existe la opción «--nope»." in err
    code, _, err = intake("sync", "push")
    assert code == 2 and "Falta la opción '--server'." in err
    code, _, err = intake("case", "list", "--filter", "bogus")
    assert code == 2 and "Valor no válido para '--filter': «bogus» no es un valor válido; elija uno de:" in err
    _no_english(err)
    code, _, err = intake("case", "list", "--limit", "muchos")
    assert code == 2 and "«muchos» no es un número válido." in err


def test_help_headings_are_spanish(intake):
    code, out, _ = intake("case", "--help")
    assert code == 0
    assert out.startswith("Uso: intake case ") and "\nOpciones:\n" in out and "\nComandos:\n" in out
    assert "Muestra esta ayuda y sale / show this help and exit." in out
    _no_english(out)
    code, out, _ = intake("case", "print", "--help")
    assert code == 0 and "[por omisión: official]" in out and "obligatorio" in out


def test_english_with_lang_en_even_for_errors_read_before_the_command(intake):
    """``--lang`` is eager: an unknown command is already worded in English."""
    code, _, err = intake("--lang", "en", "nope")
    assert code == 2 and "No such command 'nope'." in err and "Usage: intake" in err
    code, _, err = intake("--lang", "en", "case", "show")
    assert code == 2 and "Missing argument 'CASE_ID'." in err


def test_every_spanish_text_uses_only_clicks_placeholders():
    """Click fills its texts by name: a translation may leave a placeholder out, never add one."""
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w+)", text))

    for english, spanish in click_text.SPANISH.items():
        assert names(spanish) <= names(english), english


def test_the_translated_texts_are_clicks():
    """If Click rewords a text, the table must follow (or the English would come back)."""
    source = "\n".join(Path(click.__file__).with_name(f"{m.split('.')[1]}.py").read_text(encoding="utf-8")
                       for m in click_text.MODULES)
    source = re.sub(r'"\s*\n\s*"', "", source)  # strings split over lines
    escaped = {msgid: msgid.replace("\n", "\\n").replace("\t", "\\t") for msgid in click_text.SPANISH}
    assert [msgid for msgid, text in escaped.items() if text not in source] == []


def test_passphrase_confirmation_at_first_setup(intake, home, monkeypatch):
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)  # typed at a terminal: asked again
    typed = "frase uno ficticia larga\nfrase dos ficticia larga\n" + f"{PASSPHRASE}\n{PASSPHRASE}\n"
    code, out, err = intake("--home", home, "vault", "init", "--officer", "oficial.prueba", input=typed)
    assert code == 0, err
    assert "Las dos frases de paso no coinciden. Escríbalas de nuevo." in err
    _no_english(out + err)
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()


def test_officer_prompt_words_a_name_not_in_the_list(intake, vault, home, passphrase_file, monkeypatch):
    vault.add_officer("beto.ficticio", "otra frase ficticia larga")
    vault.close()
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)  # at a terminal (a script: --officer)
    code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "officer", "list",
                            input="zz\noficial.prueba\n")
    assert code == 0, err
    assert "Ese nombre no es un oficial de este equipo. Elija uno de: oficial.prueba, beto.ficticio." in err \
        or "Ese nombre no es un oficial de este equipo. Elija uno de: beto.ficticio, oficial.prueba." in err
    assert "beto.ficticio" in out
    _no_english(out + err)


def test_a_yes_or_no_question_takes_the_answer_in_the_readers_language():
    """Click's confirm showed "[y/N]" and refused "sí": `intake sync purge` could not be
    answered yes in Spanish (its default, no, kept the data)."""
    from click.testing import CliRunner

    from intake_app import i18n
    from intake_app.cli.common import confirm

    def ask(answers: str, lang: str = "es") -> tuple[bool, str]:
        i18n.set_language(lang)
        try:
            with CliRunner().isolation(input=answers) as (out, err, _):
                return confirm("¿Borrar?"), out.getvalue().decode() + err.getvalue().decode()
        finally:
            i18n.set_language("es")

    for answer in ("s", "sí", "Si", "y"):
        assert ask(answer + "\n")[0] is True, answer
    for answer in ("n", "no", ""):
        assert ask(answer + "\n")[0] is False, answer
    yes, shown = ask("tal vez\ns\n")
    assert yes and "[s/N]" in shown and "Responda «s» (sí) o «n» (no)." in shown
    yes, shown = ask("yes\n", "en")
    assert yes and "[y/N]" in shown


def test_the_help_option_is_worded_in_the_language_asked_for(intake):
    code, out, _ = intake("--lang", "en", "--help")
    assert code == 0 and "Show this message and exit." in out and "Muestra esta ayuda" not in out
    code, out, _ = intake("--help")
    assert "Muestra esta ayuda y sale / show this help and exit." in " ".join(out.split())  # it wraps there


def test_every_command_says_what_it_does_in_both_languages():
    """``--help`` lists each command with its line: Spanish, then " / " and English."""
    import click

    from intake_app.cli import cli as intake_cli
    from intake_app.server.cli import cli as server_cli

    def walk(group, path):
        for name, cmd in group.commands.items():
            yield f"{path} {name}", cmd
            if isinstance(cmd, click.Group):
                yield from walk(cmd, f"{path} {name}")

    silent = [p for root, prog in ((intake_cli, "intake"), (server_cli, "intake-server"))
              for p, cmd in walk(root, prog) if not re.search(r"\S\s+/\s+\S", cmd.help or "")]
    assert silent == []
