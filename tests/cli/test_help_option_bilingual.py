"""Click's own ``-h, --help`` line reads like the option lines around it: in Spanish,
"Spanish / English" as every option's text is written; with ``--lang en``, Click's English.
Before, it read only "Muestra esta ayuda y sale." among bilingual lines, in ``intake`` and
``intake-server`` and in every subcommand's help."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from intake_app import i18n
from intake_app.cli import click_text
from intake_app.cli import main as intake_main
from intake_app.server.cli import main as server_main

BILINGUAL = "Muestra esta ayuda y sale / show this help and exit."
ENGLISH = "Show this message and exit."
PROGRAMS = {"intake": intake_main, "intake-server": server_main}
SHOWN = [("intake", ()), ("intake", ("case",)), ("intake", ("case", "show")), ("intake", ("sync", "push")),
         ("intake-server", ()), ("intake-server", ("user",)), ("intake-server", ("user", "add")),
         ("intake-server", ("db", "move")), ("intake-server", ("exchange", "prepare"))]


@pytest.fixture(autouse=True)
def _homes(tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "laptop"))
    monkeypatch.setenv("INTAKE_SERVER_HOME", str(tmp_path / "server"))


def help_of(program: str, *args: str) -> str:
    i18n.set_language("es")  # --lang is process-wide: each run starts from the default
    try:
        with CliRunner().isolation() as (out, err, _):
            code = PROGRAMS[program]([*args, "--help"])
            assert code == 0, err.getvalue().decode()
            return out.getvalue().decode()
    finally:
        i18n.set_language("es")


def help_line(out: str) -> str:
    """The text of the ``-h, --help`` entry (a long one wraps onto the next lines)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("-h, --help"))
    entry = [lines[start].lstrip()[len("-h, --help"):]]
    for line in lines[start + 1:]:
        if not line.strip() or line.lstrip().startswith("-") or not line.startswith("   "):
            break
        entry.append(line)
    return " ".join(" ".join(entry).split())


@pytest.mark.parametrize(("program", "path"), SHOWN)
def test_the_help_option_line_is_spanish_then_english(program, path):
    out = help_of(program, *path)
    assert out.startswith("Uso: ")
    assert help_line(out) == BILINGUAL


@pytest.mark.parametrize(("program", "path"), SHOWN)
def test_with_lang_en_the_help_option_line_is_clicks_english(program, path):
    out = help_of(program, "--lang", "en", *path)
    assert out.startswith("Usage: ")
    assert help_line(out) == ENGLISH and "Muestra esta ayuda" not in out


def test_every_command_of_both_programs_words_its_help_option_in_both_languages():
    """Each command builds its help option once and keeps it (click_text.reset_help_options):
    Spanish, then English, then Spanish again in one process, for every command."""
    from intake_app.cli import cli as intake_cli
    from intake_app.server.cli import cli as server_cli

    help_of("intake")  # registers intake's command modules

    def walk(group: click.Group, path: tuple[str, ...]):
        yield path
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                yield from walk(cmd, (*path, name))
            else:
                yield (*path, name)

    wrong = []
    for program, root in (("intake", intake_cli), ("intake-server", server_cli)):
        for path in walk(root, ()):
            for lang, expected in (("es", BILINGUAL), ("en", ENGLISH), ("es", BILINGUAL)):
                line = help_line(help_of(program, "--lang", lang, *path))
                if line != expected:
                    wrong.append((program, path, lang, line))
    assert wrong == []


def test_clicks_texts_shown_among_the_options_are_spanish_then_english():
    """The texts Click writes into an option's help column (its ``--help`` and, when a
    program gives none of its own, ``--version``) follow the options' convention."""
    i18n.set_language("es")
    for english in ("Show this message and exit.", "Show the version and exit."):
        spanish, _, second = click_text.gettext(english).partition(" / ")
        assert spanish and second.lower() == english.lower().replace("message", "help"), english
    i18n.set_language("en")
    try:
        assert click_text.gettext("Show the version and exit.") == "Show the version and exit."
    finally:
        i18n.set_language("es")
