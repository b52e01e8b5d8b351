"""``intake case list`` names its columns: a heading line, in the language in use, that lines up
with the rows. It goes to stderr with the other words for the officer (the marks' legend, the
count), so stdout stays the rows a script reads; and it adds no column: no name, no document."""

from __future__ import annotations

import pytest

from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

HEADINGS = {"es": ("Caso", "Fecha", "Puesto", "Género", "Edad", "Nacionalidad", "Marcas", "Envío"),
            "en": ("Case", "Date", "Post", "Gender", "Age", "Nationality", "Marks", "Sync")}


@pytest.fixture
def listed(vault, home, passphrase_file):
    """A vault with one fictional case (the adult woman sample), closed; the options to reach it."""
    vault.save_case(load_sample("intake-adult-woman"))
    vault.close()
    return ["--home", home, "--passphrase-file", passphrase_file]


def _row(home):
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        return v.list_cases(0, 10, "")[0]
    finally:
        v.close()


def _starts(line: str) -> list[int]:
    """Where each cell of a list line starts: after two spaces (cells hold single spaces)."""
    return [0] + [i for i in range(2, len(line)) if line[i - 2:i] == "  " and line[i] != " "]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_list_has_a_heading_line_that_lines_up_with_its_rows(intake, listed, home, lang):
    code, out, err = intake(*listed, "--lang", lang, "case", "list")
    assert code == 0
    heading = err.splitlines()[0]
    assert heading.split() == [w for h in HEADINGS[lang] for w in h.split()]
    [line] = out.splitlines()
    r = _row(home)
    starts = _starts(heading)
    assert len(starts) == len(HEADINGS[lang])
    assert [line[s:].split("  ")[0] for s in starts[:2]] == [r.case_id, r.record_date]
    assert line[starts[4]:].split()[0] == r.age_band
    assert line[starts[5]:].split()[0] == r.citizenship
    assert line[starts[-1]:] == {"es": "pendiente", "en": "pending"}[lang]
    for start in starts[1:]:  # every value begins where its heading does
        assert line[start - 2:start] == "  " and line[start] != " "


def test_stdout_stays_the_rows_and_shows_no_identity(intake, listed, home):
    code, out, err = intake(*listed, "case", "list")
    assert code == 0 and out.splitlines()[0].startswith(_row(home).case_id)
    assert "Caso" not in out and "Nacionalidad" not in out  # a script reads rows only
    assert err.splitlines()[0].startswith("Caso")
    for identity in ("Yelitza", "FICTICIA", "Muñoz", "FICT-884213", "1998-03-07"):
        assert identity not in out + err


def test_search_rows_have_the_same_heading(intake, listed):
    code, out, err = intake(*listed, "case", "search", "yelitza")
    assert code == 0 and len(out.splitlines()) == 1
    assert err.splitlines()[0].split()[:3] == ["Caso", "Fecha", "Puesto"]


def test_nothing_to_list_has_no_heading(intake, vault, home, passphrase_file):
    vault.close()
    code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "list")
    assert code == 0 and out == "" and "Fecha" not in err and "Ningún caso que mostrar" in err
