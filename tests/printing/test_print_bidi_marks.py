"""Bidi marks typed or pasted beside a word (U+200F RIGHT-TO-LEFT MARK, U+200E, U+061C ARABIC
LETTER MARK, embeddings and isolates) are dropped like the other invisible characters: kept,
DejaVu Sans drew them and the space beside them went ("محمد\u200f López" printed
"محمدLópez"). FICTIONAL names."""

from __future__ import annotations

import pytest

from intake_app.printing import fonts, prepare

PLAIN = "محمد López"
MARKED = ["محمد\u200f López", "محمد \u200fLópez", "محمد\u061c López", "\u202bمحمد\u202c López",
          "\u2067محمد\u2069 López", "\u200eمحمد López\u200e"]


@pytest.mark.parametrize("name", MARKED)
def test_a_bidi_mark_prints_as_if_it_were_not_there(name):
    assert fonts.markup(name) == fonts.markup(PLAIN)


def test_marks_are_dropped_from_latin_only_text_too():
    assert not fonts.simple("Ana\u200e López")
    assert fonts.markup("Ana\u200e López\u200f") == ("Ana López", False)
    assert all(fonts.font_of(ch) is None for ch in fonts.BIDI_CONTROLS)


def _x_of(pdf: bytes, word: str) -> float:
    """Where ``word`` starts on page 1, glyph by glyph (PDFium; pypdf gives a run's start only)."""
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(pdf)
    try:
        text = doc[0].get_textpage()
        return text.get_charbox(text.get_text_range().index(word))[0]
    finally:
        doc.close()


def test_the_space_after_a_right_to_left_mark_is_printed(vault, sample):
    x = {}
    for name in (PLAIN, MARKED[0]):
        content = sample("intake-no-indications")
        content["given_names"] = name
        x[name] = _x_of(prepare(vault, vault.save_case(content).case_id).pdf, "López")
    assert x[MARKED[0]] == pytest.approx(x[PLAIN])
