"""Names in other scripts print with a font that has their characters (FICTIONAL names).

Officers register people from China, India, Nepal, Bangladesh, Eritrea/Ethiopia and Arab
countries. DejaVu Sans has none of Chinese, Devanagari, Bengali or Ethiopic: those printed as
empty boxes while the text layer (what pdftotext and these tests read) still held the right
characters. So the checks here look at which embedded font draws each character and whether
that font's cmap has it. Also: page breaks that left large blanks, an indication split from its
reasons, narratives of short lines, and a signature block alone on its page.
"""

from __future__ import annotations

import io
import unicodedata
from functools import cache

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFile

from intake_app import i18n
from intake_app.codebook import load_codebook
from intake_app.paths import resources_dir
from intake_app.printing import fonts, layout, prepare

from tests.printing.print_helpers import flat, pdf_text

CHINESE, DEVANAGARI, BENGALI, ETHIOPIC = "王小明测试", "प्रिया क्षत्रिय", "রহিম বন্দ্যোপাধ্যায়", "አበበ ሙከራ"
ARABIC = "فاطمة تجريبية"
FALLBACK_FONTS = {"DroidSansFallback", "NotoSansDevanagari-Regular", "NotoSansBengali-Regular",
                  "NotoSansEthiopic-Regular", "NotoNaskhArabic-Regular"}
LATIN_FONTS = {"DejaVuSans", "DejaVuSans-Bold"}


@cache
def _cmaps() -> dict[str, frozenset[int]]:
    """PostScript name -> the characters of each font shipped in resources/fonts."""
    out = {}
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        face = TTFontFile(str(path))
        out[face.name.decode() if isinstance(face.name, bytes) else face.name] = frozenset(face.charToGlyph)
    return out


def _drawn(pdf: bytes) -> list[tuple[str, str, float]]:
    """(font PostScript name, text, y) of every text run, in drawing order, all pages."""
    runs: list = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        def visit(text, cm, tm, font, size):
            if font and text.strip():
                runs.append((str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1], text, cm[5] + tm[5]))
        page.extract_text(visitor_text=visit)
    return runs


def _assert_every_character_has_a_glyph(pdf: bytes) -> None:
    cmaps = _cmaps()
    for font, text, _ in _drawn(pdf):
        assert font in cmaps, font
        for ch in text:
            if ch.isspace():
                continue
            # a shaped conjunct or ligature has no code point: reportlab gives it a private one
            private = 0xE000 <= ord(ch) <= 0xF8FF and font in FALLBACK_FONTS
            assert ord(ch) in cmaps[font] or private, (font, f"U+{ord(ch):04X}")


def _case(vault, sample, **fields) -> str:
    rec = sample("intake-adult-woman")
    rec.update(fields)
    return vault.save_case(rec).case_id


@pytest.mark.parametrize("copy", ["person", "official"])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_names_in_other_scripts_print_with_fonts_that_have_them(vault, sample, copy, lang):
    case_id = _case(vault, sample, given_names=f"{CHINESE} {DEVANAGARI} {BENGALI}", surnames=f"{ETHIOPIC} {ARABIC}")
    pdf = prepare(vault, case_id, copy=copy, lang=lang).pdf
    _assert_every_character_has_a_glyph(pdf)
    used = {font for font, _, _ in _drawn(pdf)}
    assert FALLBACK_FONTS <= used
    text = flat(pdf_text(pdf))
    assert CHINESE in text and ETHIOPIC in text  # no shaping: the text layer holds them as they are


def test_arabic_is_joined_and_right_to_left(vault, sample):
    pdf = prepare(vault, _case(vault, sample, given_names=ARABIC, surnames="(عبد الرحيم) Prueba"), copy="person").pdf
    _assert_every_character_has_a_glyph(pdf)
    arabic = [text for font, text, _ in _drawn(pdf) if font == "NotoNaskhArabic-Regular"]
    # joined: the letters are drawn with their initial, medial and final forms
    assert any(0xFE70 <= ord(ch) <= 0xFEFF for text in arabic for ch in text)
    # right to left: the words are drawn left to right in visual order, the last word first
    words = [unicodedata.normalize("NFKC", text).strip() for text in arabic]
    assert words.index("تجريبية") < words.index("فاطمة")
    assert words.index("الرحيم") < words.index("عبد")
    text = flat(pdf_text(pdf))
    assert "Prueba" in text


def test_brackets_in_a_right_to_left_run_change_sides():
    assert "".join(fonts._visual_order("(عبد الله) Prueba")) == "(الله عبد) Prueba"
    assert "".join(fonts._visual_order("Ana فاطمة 12 تجريبية. Fin")) == "Ana تجريبية 12 فاطمة. Fin"
    assert "".join(fonts._visual_order("Ana «فاطمة-تجريبية»")) == "Ana «تجريبية-فاطمة»"


def test_devanagari_and_bengali_are_shaped(vault, sample):
    pdf = prepare(vault, _case(vault, sample, given_names=DEVANAGARI, surnames=BENGALI), copy="person").pdf
    for font in ("NotoSansDevanagari-Regular", "NotoSansBengali-Regular"):
        drawn = "".join(text for f, text, _ in _drawn(pdf) if f == font)
        # the conjuncts (क्ष, न्द्य) are glyphs of their own, with no code point
        assert any(0xE000 <= ord(ch) <= 0xF8FF for ch in drawn), font


def test_characters_no_font_has_print_a_marker(vault, sample):
    pdf = prepare(vault, _case(vault, sample, given_names="Ana 🙂🌎 FICTICIA", surnames="Prueba👍🏽"), copy="person").pdf
    _assert_every_character_has_a_glyph(pdf)
    text = flat(pdf_text(pdf))
    assert f"Ana {fonts.MISSING_MARK} FICTICIA Prueba{fonts.MISSING_MARK}" in text
    assert "\ufffd" not in text and "🙂" not in text


def test_a_latin_only_case_embeds_no_fallback_font(vault, sample):
    for copy in ("official", "person"):
        pdf = prepare(vault, _case(vault, sample), copy=copy).pdf
        assert {font for font, _, _ in _drawn(pdf)} == LATIN_FONTS  # bullets too: nothing in Helvetica
        _assert_every_character_has_a_glyph(pdf)
    assert fonts.simple("Muñoz Ñandú ¿Quién? ¡Sí! — «áéíóú» Jàn-Batis Kreyòl") and not fonts.simple("Ана فاطمة")


def _pages(pdf: bytes) -> list[list[tuple[float, str]]]:
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list = []
        page.extract_text(visitor_text=lambda t, cm, tm, f, s: t.strip() and runs.append((cm[5] + tm[5], t.strip())))
        out.append(runs)
    return out


def test_a_heading_does_not_carry_a_whole_narrative_to_the_next_page(vault, sample):
    narrative = ("Relato FICTICIO de prueba en un solo párrafo, como lo escribe una persona funcionaria con prisa: "
                 "viajó durante semanas, le retuvieron el pasaporte y trabajó sin descanso. ") * 35
    pages = _pages(prepare(vault, _case(vault, sample, narrative=narrative)).pdf)
    label = load_codebook().fields["narrative"].es
    before = load_codebook().fields["tr_exploitation_country"].es  # the row printed just before it
    page_of = {text: n for n, runs in enumerate(pages) for _, text in runs}
    assert page_of[label] == page_of[before]
    for runs in pages[:-1]:  # no page but the last is left more than a third empty
        body = [y for y, _ in runs if 55 < y < 780]
        assert min(body) < 842 / 3


def test_narrative_lines_are_not_spaced_as_paragraphs(vault, sample):
    lines = [f"Línea FICTICIA {n:03d}" for n in range(80)]
    narrative = "\n".join(lines[:40]) + "\n\n" + "\n".join(lines[40:])
    pages = _pages(prepare(vault, _case(vault, sample, narrative=narrative)).pdf)
    steps = []
    for runs in pages:
        ys = [y for y, text in runs if text.startswith("Línea FICTICIA")]
        steps += [round(a - b, 1) for a, b in zip(ys, ys[1:])]
    assert len(steps) >= 70
    leading = layout.styles()["long"].leading
    assert sum(abs(step - leading) < 0.3 for step in steps) >= len(steps) - 2  # only the blank line adds space
    assert layout._paragraphs("a\nb\n\n\nc\n") == ["a\nb", "c"]


def test_an_indication_stays_with_its_reasons(vault, sample, monkeypatch):
    seen = []
    render = layout.render_pdf
    monkeypatch.setattr(layout, "render_pdf", lambda summary, code: seen.append(summary) or render(summary, code))
    prepare(vault, vault.save_case(sample("intake-adult-woman")).case_id)
    (summary,) = seen
    assert summary.screening
    kept = [f for f in layout._screening(summary) if isinstance(f, layout.KeepTogether)]
    assert len(kept) == len(summary.screening)
    for n, (flowable, (_, reasons)) in enumerate(zip(kept, summary.screening), 1):
        extra = 2 if n == len(kept) else 0  # the last one carries the disclaimer along (a spacer and its box)
        assert len(flowable._content) == 1 + len(reasons) + extra


def test_the_signature_block_never_stands_alone_on_a_page(vault, sample):
    institutions = load_codebook().vocab("institutions").codes
    caption = i18n.t("print.signature.officer", "es")
    for count in range(18, 42, 2):
        referrals = [{"institution": institutions[i % len(institutions)], "date": "2026-10-14", "outcome": "pending"}
                     for i in range(count)]
        pages = _pages(prepare(vault, _case(vault, sample, referrals=referrals), copy="person").pdf)
        (last,) = [runs for runs in pages if any(caption in text for _, text in runs)]
        body = [text for y, text in last if 55 < y < 780 and text not in (caption, "Firma", "•")]
        assert body, count


def _laid_out(text: str) -> str:
    """The characters of ``text`` as reportlab draws them, left to right (shaped glyphs mapped
    back to characters, Arabic presentation forms to letters): the visual order on paper."""
    p = layout._p(text, "value")
    p.wrap(500, 100)
    lines = p.blPara.lines
    drawn = [" ".join(line[1]) if p.blPara.kind == 0 else "".join(f.text for f in line.words) for line in lines]
    return unicodedata.normalize("NFKC", "\n".join(drawn))


def test_right_to_left_punctuation_alone_prints_once():
    assert fonts.markup("؟") == ("؟", False)
    assert fonts._visual_order("(؟)") == ["(؟)"]
    assert "".join(fonts._visual_order("x ۔ y")) == "x ۔ y"
    assert "".join(fonts._visual_order("Ana علي ؟")) == "Ana علي ؟"  # the space stays before it
    assert "".join(fonts._visual_order("علي ؟ عمر")) == "عمر ؟ علي"  # inside the run it changes sides


def test_a_bracket_pair_at_the_end_of_a_right_to_left_run_stays_a_pair():
    assert "".join(fonts._visual_order("Ana علي (عمر)")) == "Ana (عمر) علي"
    assert "".join(fonts._visual_order("Ana علي (عمر).")) == "Ana (عمر) علي."
    assert "".join(fonts._visual_order("(عمر) علي Prueba")) == "علي (عمر) Prueba"
    assert "".join(fonts._visual_order("Ana (علي (عمر))")) == "Ana ((عمر) علي)"
    assert "".join(fonts._visual_order("(عبد الله) Prueba")) == "(الله عبد) Prueba"
    assert _laid_out("Ana علي (عمر)") == "Ana (" + "عمر"[::-1] + ") " + "علي"[::-1]


def test_hebrew_is_laid_out_right_to_left():
    """DejaVu Sans has Hebrew: the words changed places but each printed backwards (no shaping)."""
    assert fonts.markup("Ana שלום כהן")[1]
    assert _laid_out("Ana שלום כהן") == "Ana " + "כהן"[::-1] + " " + "שלום"[::-1]
    # brackets and hyphens in the same font as the letters are not turned round twice
    assert _laid_out("Ana (בדיקה) א-ב") == "Ana ב-א (" + "בדיקה"[::-1] + ")"
    assert _laid_out("Ana שלום علي") == "Ana " + "علي"[::-1] + " " + "שלום"[::-1]


def test_hebrew_name_on_both_copies(vault, sample):
    case_id = _case(vault, sample, given_names="Ana שלום כהן", surnames="Prueba (בדיקה)")
    for copy in ("person", "official"):
        pdf = prepare(vault, case_id, copy=copy).pdf
        _assert_every_character_has_a_glyph(pdf)
        assert {font for font, _, _ in _drawn(pdf)} == LATIN_FONTS


def test_one_arabic_range_check_and_one_subheading_style():
    assert fonts._arabic(ord("ع")) and fonts._arabic(0xFEFC) and not fonts._arabic(ord("ש"))
    assert not fonts.simple("عمر") and fonts.font_of("ع") == "IntakeArabic" and fonts.font_of("؟") == fonts.FONT
    assert "sub" in layout.styles() and "subtable" not in layout.styles()  # table titles use "sub"
