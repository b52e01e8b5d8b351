"""Fonts of the printed summary: DejaVu Sans, and fallback fonts for the scripts it lacks.

DejaVu Sans prints Latin, Greek and Cyrillic; names in Chinese, Hindi/Nepali (Devanagari),
Bengali, Amharic/Tigrinya (Ethiopic) and Arabic need other fonts, shipped in
``resources/fonts/`` (no system font is used: the app also runs on Windows). A text whose
characters are all in DejaVu Sans (every Latin-only case) takes the fast path, unchanged; only
a text with a character outside it is split into runs, each run set in the first fallback font
that has its characters (``<font face=...>`` in Paragraph markup).

Arabic, Devanagari and Bengali need shaping (joined letters, conjuncts, vowel signs placed):
reportlab does it with uharfbuzz when a paragraph's style says ``shaping=1``; such paragraphs
get it, and so does every text with a right-to-left letter (Hebrew too, which DejaVu Sans has).
reportlab shapes a word with the font of its first part, so a word mixing fonts (an Arabic name
in parentheses: Noto Naskh has no parentheses) is shaped part by part (``_shape_by_font``), and
so is a right-to-left word mixing letters with brackets or digits ("(כהן)" in DejaVu Sans alone).
Right-to-left text: reportlab's own bidi (the ``rlbidi`` package, not on the package index) is
not used; the words of each right-to-left run are put in visual order here (``_visual_order``)
and HarfBuzz puts the glyphs of each piece of letters right to left. A right-to-left run that
wraps over two lines is therefore read bottom line first; names and short phrases fit one line.

Characters no font has (emoji, rare symbols) are left out and each run of them prints as
``MISSING_MARK``; invisible format characters (variation selectors, joiners) no font has are
dropped silently, and so are the bidi controls (U+200E/U+200F/U+061C marks, embeddings,
overrides, isolates), which DejaVu Sans has: the order is made here, and printed they took the
space beside them away. Nothing prints as an empty box or U+FFFD.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from ..paths import resource

FONT, BOLD = "IntakeSans", "IntakeSans-Bold"
MISSING_MARK = "[?]"
# (font name, regular file, bold file or None, needs shaping), tried in this order
FALLBACKS = (
    ("IntakeArabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", True),
    ("IntakeDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", True),
    ("IntakeBengali", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf", True),
    ("IntakeEthiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf", False),
    ("IntakeCJK", "DroidSansFallbackFull.ttf", None, False),
)
SHAPED = frozenset(name for name, _, _, shaping in FALLBACKS if shaping)
# DejaVu Sans has Arabic letters but not Naskh's joining: Arabic always goes to the Arabic font
_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_RTL = ("R", "AL")
# bidi marks, embeddings, overrides and isolates: the words are put in visual order here, so they
# have nothing to do; kept, "محمد\u200f López" printed "محمدLópez" (the space gone)
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _arabic(code: int) -> bool:
    return any(a <= code <= b for a, b in _ARABIC)


def _rtl_letter(ch: str) -> bool:
    """A right-to-left letter (Arabic and Hebrew punctuation such as ؟ and ۔ are not)."""
    return unicodedata.bidirectional(ch) in _RTL and unicodedata.category(ch)[0] == "L"


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@cache
def _dejavu_cmap() -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(FONT).face.charToGlyph)


@cache
def _fallback_cmap(index: int) -> frozenset[int]:
    """Registers fallback font ``index`` (and its bold) on first use; its characters."""
    name, regular, bold, _ = FALLBACKS[index]
    font = TTFont(name, str(resource("fonts", regular)))
    pdfmetrics.registerFont(font)
    bold_name = name
    if bold:
        bold_name = name + "-Bold"
        pdfmetrics.registerFont(TTFont(bold_name, str(resource("fonts", bold))))
    pdfmetrics.registerFontFamily(name, normal=name, bold=bold_name, italic=name, boldItalic=bold_name)
    return frozenset(font.face.charToGlyph)


def _ranges(codes) -> str:
    out, codes = [], sorted(codes)
    start = prev = codes[0]
    for c in codes[1:] + [-1]:
        if c != prev + 1:
            out.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = c
        prev = c
    return "".join(out)


@cache
def _needs_work():
    """A regex finding a character that DejaVu Sans alone cannot print as it should: not in its
    cmap, Arabic, or right-to-left."""
    simple = {c for c in _dejavu_cmap() if c > 31 and not _arabic(c)
              and unicodedata.bidirectional(chr(c)) not in _RTL and chr(c) not in BIDI_CONTROLS}
    simple |= {9, 10, 13}
    return re.compile(f"[^{_ranges(simple)}]")


def simple(text: str) -> bool:
    """True when DejaVu Sans prints ``text`` as it is (the fast path)."""
    return text.isascii() or _needs_work().search(text) is None


@cache
def font_of(ch: str) -> str | None:
    """The font for one character: FONT, a fallback font's name, or None (no font has it, or a bidi
    control: dropped)."""
    if ch in BIDI_CONTROLS:
        return None
    code = ord(ch)
    dejavu = code in _dejavu_cmap()
    # punctuation, symbols and digits stay in DejaVu Sans, Arabic ones too: a right-to-left word
    # is laid out piece by piece (``_rtl_word``), letters apart from what surrounds them
    if dejavu and (not _arabic(code) or unicodedata.category(ch)[0] in "PSN"):
        return FONT
    for index, (name, *_) in enumerate(FALLBACKS):
        if code in _fallback_cmap(index):
            return name
    return FONT if dejavu else None


def _silent(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me") or 0xFE00 <= ord(ch) <= 0xFE0F


def _word_runs(word: str) -> list[tuple[str, str]]:
    """(font, text) runs of one word; characters no font has become MISSING_MARK."""
    runs: list[list] = []
    for ch in word:
        font = font_of(ch)
        if font is None:
            if _silent(ch):
                continue
            if runs and runs[-1][0] == FONT and runs[-1][1].endswith(MISSING_MARK):
                continue
            font, ch = FONT, MISSING_MARK
        elif _silent(ch) and runs and runs[-1][1].endswith(MISSING_MARK):
            continue  # a mark or selector on a character left out
        if runs and runs[-1][0] == font:
            runs[-1][1] += ch
        else:
            runs.append([font, ch])
    return [(f, t) for f, t in runs]


def _direction(word: str) -> str:
    """"L" or "R" after the word's first strong letter; "N" (neutral) when it has none, also for
    right-to-left punctuation alone ("؟"): it takes no part in a run, so prints once, as typed."""
    for ch in word:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "L"
        if _rtl_letter(ch):
            return "R"
    return "N"


def _visual_order(line: str) -> list[str]:
    """The tokens (words and spaces) of a left-to-right line, each right-to-left run of words in
    visual order (neutral words between two right-to-left words belong to the run)."""
    tokens = [t for t in re.split(r"(\s+)", line) if t]
    kinds = [" " if t.isspace() else _direction(t) for t in tokens]
    out, i = [], 0
    while i < len(tokens):
        if kinds[i] != "R":
            out.append(tokens[i])
            i += 1
            continue
        end = i
        for j in range(i + 1, len(tokens)):
            if kinds[j] == "L":
                break
            if kinds[j] == "R":
                end = j
        # punctuation before the run's first letter and after its last stays outside it, in a
        # left-to-right line (a full stop after an Arabic name stays on its right), but for a
        # bracket whose partner is inside the run; first and last have a letter, so lead and
        # trail never meet
        first, last = tokens[i], tokens[end]
        lead = len(first) - len(first.lstrip(_NOT_LETTERS))
        trail = len(last) - len(last.rstrip(_NOT_LETTERS))
        run = tokens[i:end + 1]
        lead, trail = _ends("".join(run), lead, trail)
        run[0] = run[0][lead:]
        run[-1] = run[-1][:len(run[-1]) - trail]
        out += [first[:lead]] + [_rtl_word(t) for t in reversed(run)] + [last[len(last) - trail:]]
        i = end + 1
    return [t for t in out if t]


_NOT_LETTERS = "".join(chr(c) for c in range(0x21, 0x2070) if unicodedata.category(chr(c))[0] in "PS")


_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_PAIRS = dict(zip("([{<«‹", ")]}>»›"))
_CLOSING = frozenset(_PAIRS.values())


def _unpaired(text: str) -> tuple[list[str], list[str]]:
    """The brackets of ``text`` left open (innermost last) and those closed with no opening
    (leftmost first)."""
    opened: list[str] = []
    closed: list[str] = []
    for ch in text:
        if ch in _PAIRS:
            opened.append(ch)
        elif ch in _CLOSING:
            if opened and _PAIRS[opened[-1]] == ch:
                opened.pop()
            else:
                closed.append(ch)
    return opened, closed


def _ends(run: str, lead: int, trail: int) -> tuple[int, int]:
    """``lead`` and ``trail`` (how many characters at the start and end of a right-to-left run
    stay outside it) shortened so that no bracket is parted from its partner inside the run:
    in "علي (عمر)." the ")" goes in with its "(" and only the "." stays out."""
    _, closed = _unpaired(run[lead:len(run) - trail])
    for k in range(lead - 1, -1, -1):
        if closed and _PAIRS.get(run[k]) == closed[0]:
            closed.pop(0)
            lead = k
    opened, _ = _unpaired(run[lead:len(run) - trail])
    for k in range(len(run) - trail, len(run)):
        if opened and _PAIRS[opened[-1]] == run[k]:
            opened.pop()
            trail = len(run) - k - 1
    return lead, trail


def _kind(ch: str) -> str:
    """"a" for letters with their marks, "d" for digits, "o" for the rest (brackets, punctuation)."""
    cat = unicodedata.category(ch)
    return "a" if cat[0] in "LM" or cat == "Cf" else "d" if cat == "Nd" else "o"


def _rtl_word(word: str) -> str:
    """A word of a right-to-left run in visual order: its letters stay in logical order (HarfBuzz
    lays each piece of letters out right to left), the pieces between them (brackets and
    punctuation and digits, shaped apart, left to right: ``_shape_by_font``) change sides, and
    brackets are mirrored: "(عبد" -> "عبد)"."""
    pieces: list[list] = []  # [kind, text]
    for ch in word:
        kind = _kind(ch)
        if pieces and pieces[-1][0] == kind:
            pieces[-1][1] += ch
        else:
            pieces.append([kind, ch])
    return "".join(t if k != "o" else t[::-1].translate(_MIRROR) for k, t in reversed(pieces))


def markup(text: str) -> tuple[str, bool]:
    """Paragraph markup of ``text`` (escaped; line breaks as <br/>) and whether it needs shaping.
    Runs in a fallback font are wrapped in <font face>; reportlab picks the bold member of the
    fallback's family when the paragraph is bold."""
    if simple(text):
        return escape(text).replace("\n", "<br/>"), False
    # HarfBuzz lays out right-to-left letters (Hebrew in DejaVu Sans too), so shaping is on
    shaping = any(map(_rtl_letter, text))
    lines = []
    for line in text.split("\n"):
        parts = []
        for token in _visual_order(line):
            if token.isspace():
                parts.append(escape(token))
                continue
            for font, run in _word_runs(token):
                if font == FONT:
                    parts.append(escape(run))
                else:
                    shaping = shaping or font in SHAPED
                    parts.append(f'<font face="{font}">{escape(run)}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines), shaping


def _pieces(parts: list) -> list[list]:
    """[width, (frag, text), ...] for each piece of a word shaped on its own: a change of font
    starts a piece, and so, in a word with a right-to-left letter, does a change between letters
    and the rest (HarfBuzz would turn a whole piece round, with the brackets and digits
    ``_rtl_word`` has already put in place)."""
    rtl = any(_rtl_letter(ch) for _, s in parts for ch in s)
    pieces: list[list] = []
    key = None
    for f, s in parts:
        for text in _split_letters(s) if rtl else [s]:
            new = (f.fontName, rtl and _kind(text[0]) == "a")
            if pieces and new == key:
                pieces[-1].append((f, text))
            else:
                pieces.append([0, (f, text)])
            pieces[-1][0] += stringWidth(text, f.fontName, f.fontSize)
            key = new
    return pieces


def _split_letters(s: str) -> list[str]:
    """``s`` cut where it changes between letters (with their marks) and the rest."""
    out: list[str] = []
    for ch in s:
        if out and (_kind(ch) == "a") == (_kind(out[-1][-1]) == "a"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _install_shaping_by_font() -> None:
    """reportlab shapes a word (maybe several <font> parts with no space between) with the
    HarfBuzz font of its first part, and maps the glyphs back through each part's own font: a
    word mixing fonts would print the wrong glyphs. Shape such a word part by part instead, and
    a right-to-left word's letters apart from its brackets and digits (``_pieces``)."""
    from reportlab.platypus import paragraph
    from reportlab.pdfbase import ttfonts

    original = getattr(ttfonts, "shapeFragWord", None)
    if (original is None or not getattr(ttfonts, "uharfbuzz", None)
            or getattr(paragraph.shapeFragWord, "_by_font", False)):
        return

    def _shape_by_font(w, *args, **kwargs):
        if isinstance(w, ttfonts.ShapedFragWord):  # shaped already (a paragraph is wrapped more than once)
            return w
        parts = [item for item in w[1:] if not hasattr(item[0], "cbDefn")]
        if len(parts) != len(w) - 1 or any(isinstance(s, ttfonts.ShapedStr) for _, s in parts):
            return original(w, *args, **kwargs)
        pieces = _pieces(parts)
        if len(pieces) < 2:
            return original(w, *args, **kwargs)
        shaped = [original(piece, *args, **kwargs) for piece in pieces]
        if all(s is p for s, p in zip(shaped, pieces)):
            return w
        kind = next((s.__class__ for s in shaped if isinstance(s, ttfonts.ShapedFragWord)), None)
        out = (ttfonts.makeShapedFragWord(w) if kind else w.__class__)([sum(s[0] for s in shaped)])
        for s in shaped:
            out.extend(s[1:])
        return out

    _shape_by_font._by_font = True
    paragraph.shapeFragWord = _shape_by_font


_install_shaping_by_font()
