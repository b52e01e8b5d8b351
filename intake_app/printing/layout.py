"""The PDF layout of a printed summary (reportlab platypus, in memory, no temporary file).

Every page carries the marking (CONFIDENCIAL; DOCUMENTO PERSONAL on the person's copy), the
case reference (the case id, never a name), page x of y, the print time and the verification
code. Tables split by rows and long texts (narratives, very long lists) flow as paragraphs, so
nothing is clipped.
DejaVu Sans is embedded (subset) so every accent prints the same everywhere; names in other
scripts (Chinese, Devanagari, Bengali, Ethiopic, Arabic) use the fallback fonts of ``fonts.py``.
"""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Frame, KeepTogether, PageTemplate, Paragraph,
                                Spacer, Table, TableStyle)
from reportlab.platypus.paragraph import strip as rl_strip  # its whitespace, U+200B too

from .. import i18n
from . import fonts
from .fonts import BOLD, FONT, register_fonts
from .qr import QrFlowable
from .summary import Summary
from .verify import PrintCode

rl_config.shapeChecking = 0  # skip per-call argument checks (≈15 % of the time, perf-floors §6)

PAGE_W, PAGE_H = A4
MARGIN_X = 16 * mm
TOP, BOTTOM = 22 * mm, 22 * mm
PAD = 4  # points inside the frame, so section bands can reach out a little
BODY_W = PAGE_W - 2 * MARGIN_X - 2 * PAD
LABEL_W = 58 * mm
QR_SIZE = 40 * mm
INK = colors.HexColor("#1b2a3a")
MUTED = colors.HexColor("#55606b")
RULE = colors.HexColor("#b9c2cc")
BAND = colors.HexColor("#e6edf4")
ALERT = colors.HexColor("#b3261e")
NOTICE_BG = colors.HexColor("#fff4d6")
NOTICE_LINE = colors.HexColor("#d9a400")


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    # bullets in DejaVu too (reportlab's default is Helvetica, which is not embedded)
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.6, textColor=INK, bulletFontName=FONT)
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=2),
        "copy": ParagraphStyle("copy", base, fontName=BOLD, fontSize=11, leading=14, textColor=ALERT, spaceAfter=6),
        "handover": ParagraphStyle("handover", base, fontName=BOLD, fontSize=10, leading=13, spaceAfter=6),
        "label": ParagraphStyle("label", base, fontSize=8.3, leading=10.5, textColor=MUTED),
        "value": base,
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=10.5, leading=13, backColor=BAND,
                               borderPadding=(3, 4, 3, 4), spaceBefore=10, spaceAfter=5),
        "sub": ParagraphStyle("sub", base, fontName=BOLD, fontSize=9, leading=11.6, spaceBefore=6, spaceAfter=3),
        "long": ParagraphStyle("long", base, leftIndent=4 * mm, spaceAfter=4),
        "indication": ParagraphStyle("indication", base, fontName=BOLD, leftIndent=4 * mm, bulletIndent=0,
                                     spaceBefore=4, spaceAfter=1),
        "reason": ParagraphStyle("reason", base, fontSize=8.6, leading=11, leftIndent=9 * mm, bulletIndent=5 * mm,
                                 textColor=MUTED),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor=MUTED),
        "code": ParagraphStyle("code", base, fontName=BOLD, fontSize=7.8, leading=10, alignment=1),
        "notice": ParagraphStyle("notice", base, fontSize=8.8, leading=11.4),
        "note": ParagraphStyle("note", base, fontSize=8.6, leading=11, leftIndent=4 * mm, spaceBefore=6,
                               textColor=MUTED),
        "bullet": ParagraphStyle("bullet", base, leftIndent=9 * mm, bulletIndent=4 * mm, spaceAfter=4),
    }


@cache
def _shaped(style: str) -> ParagraphStyle:
    """``style`` with HarfBuzz shaping, for a text in Arabic, Devanagari or Bengali only."""
    return ParagraphStyle(style + "-shaped", styles()[style], shaping=1)


def _p(text: str, style: str, bullet: str | None = None) -> Paragraph:
    markup, shaping = fonts.markup(text)
    return Paragraph(markup, _shaped(style) if shaping else styles()[style], bulletText=bullet)


# a heading moves to the next page when less than this is left under it (instead of keepWithNext,
# which carries the heading's whole table or narrative over and leaves a large blank)
HEAD_ROOM = 25 * mm
SUB_ROOM = 18 * mm


CELL_PAD = 3


def _cell(text: str, style: str, width: float):
    """A table cell: plain text broken into lines (cheap), or a Paragraph when a word is
    wider than the column (then reportlab splits the long word) or the text needs a font
    other than DejaVu Sans."""
    if not fonts.simple(text):
        return _p(text, style)
    st = styles()[style]
    inner = width - 2 * CELL_PAD
    lines = []
    for part in text.split("\n"):
        lines.extend(simpleSplit(part, st.fontName, st.fontSize, inner) or [""])
    if any(stringWidth(line, st.fontName, st.fontSize) > inner for line in lines):
        return _p(text, style)
    return "\n".join(lines)


def _cell_style(label_cols, value_cols) -> list:
    lab, val = styles()["label"], styles()["value"]
    cmds = []
    for cols, st in ((label_cols, lab), (value_cols, val)):
        for c0, r0, c1, r1 in cols:
            cmds += [("FONT", (c0, r0), (c1, r1), st.fontName, st.fontSize, st.leading),
                     ("TEXTCOLOR", (c0, r0), (c1, r1), st.textColor)]
    return cmds


# a table splits across pages only with at least this many rows on each side (below the
# repeated header): never one row alone at the foot of a page or at the top of the next
MIN_SPLIT_ROWS = 2


class _Table(Table):
    """A Table that never leaves fewer than MIN_SPLIT_ROWS rows (below its repeated header) on
    either side of a page break; a shorter table moves to the next page whole. reportlab's
    ``rowSplitRange`` does it for one split only: the parts it makes lose or shift the range,
    so the rest of a table was split again with one row left; it is set again on every part."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keep_rows()

    def _keep_rows(self) -> None:
        head = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        self._rowSplitRange = (head + MIN_SPLIT_ROWS, -MIN_SPLIT_ROWS)

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            part._keep_rows()
        return parts

    def splits(self) -> bool:
        """False for a table too short to split (it moves whole): its heading must go with it."""
        head = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        return len(self._cellvalues) - head >= 2 * MIN_SPLIT_ROWS


def _with_heading(heading, flowable) -> list:
    """The heading and a table that moves whole kept on one page (a heading never ends a page
    alone); a table that splits by rows follows its heading freely (CondPageBreak before)."""
    if isinstance(flowable, _Table) and not flowable.splits():
        return [KeepTogether([heading, flowable])]
    return [heading, flowable]


def _rows_table(rows, label_w: float = LABEL_W, width: float = BODY_W) -> Table:
    value_w = width - label_w
    data = [[_cell(r.label, "label", label_w), _cell(r.value, "value", value_w)] for r in rows]
    t = _Table(data, colWidths=[label_w, value_w], hAlign="LEFT")
    t.setStyle(TableStyle(_cell_style([(0, 0, 0, -1)], [(1, 0, 1, -1)]) + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ]))
    return t


COLUMN_SHARES = {2: (0.70, 0.30), 3: (0.52, 0.18, 0.30)}


def _repeat_table(table) -> list:
    shares = COLUMN_SHARES.get(len(table.header)) or (1 / len(table.header),) * len(table.header)
    widths = [BODY_W * share for share in shares]
    data = [[_cell(h, "label", w) for h, w in zip(table.header, widths)]]
    data += [[_cell(v, "value", w) for v, w in zip(row, widths)] for row in table.rows]
    t = _Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle(_cell_style([(0, 0, -1, 0)], [(0, 1, -1, -1)]) + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ]))
    # a page break only when the title and a few rows would not fit: the table itself splits by rows
    return [CondPageBreak(25 * mm)] + (_with_heading(_p(table.title, "sub"), t) if table.title else [t])


def _paragraphs(text: str) -> list[str]:
    """A long text's paragraphs: lines kept together (shown with line breaks), split at blank
    lines only, so a narrative of many short lines is not spread over many spaced paragraphs."""
    out, lines = [], []
    for line in text.split("\n") + [""]:
        if line.strip():
            lines.append(line)
        elif lines:
            out.append("\n".join(lines))
            lines = []
    return out


# a long text's paragraph is laid out in pieces of at most this many lines: reportlab wraps what
# is left of a paragraph again at every page it is split over, so one paragraph of 10,000 short
# lines (a narrative with no blank line) took half a minute; in pieces the time grows linearly
PIECE_LINES = 40


def _long(text: str) -> list[Paragraph]:
    """One paragraph of a long text (``_paragraphs``) as Paragraphs of at most PIECE_LINES lines
    each, printed as the single Paragraph was: the same markup cut at line breaks (the same fonts,
    shaping and right-to-left order), no space between the pieces, the paragraph's space after the
    last, and only its first line kept from standing alone at the foot of a page."""
    markup, shaping = fonts.markup(text)
    lines = markup.split("<br/>")
    if len(lines) <= PIECE_LINES:
        return [Paragraph(markup, _piece_style(True, True, shaping))]
    # a line with no word where the text is cut (only spaces reportlab drops, such as U+200B) is a
    # no-break space: it keeps its height at a piece's end, and no piece starts with a line without
    # a word (reportlab fails to split such a paragraph after its first line)
    cuts = range(PIECE_LINES, len(lines), PIECE_LINES)
    for cut in cuts:
        for n in (cut - 1, cut):
            if not rl_strip(lines[n]):
                lines[n] = "&#160;"
    pieces = ["<br/>".join(lines[start:start + PIECE_LINES]) for start in (0, *cuts)]
    last = len(pieces) - 1
    return [Paragraph(piece, _piece_style(n == 0, n == last, shaping)) for n, piece in enumerate(pieces)]


@cache
def _piece_style(first: bool, last: bool, shaping: bool) -> ParagraphStyle:
    base = _shaped("long") if shaping else styles()["long"]
    if first and last:
        return base
    return ParagraphStyle(f"{base.name}-{int(first)}{int(last)}", base, spaceAfter=base.spaceAfter if last else 0,
                          allowOrphans=0 if first else 1)


def _block(block, loose_end: bool = False) -> list:
    """A section's flowables. ``loose_end``: the last section before the signatures, whose last
    row is a table of its own, so the signature block can take it along (never alone on a page)."""
    story: list = [CondPageBreak(HEAD_ROOM), _p(block.title, "head")]
    short: list = []

    def flush(last: bool = False) -> None:
        if len(short) > 1 and last:
            story.append(_rows_table(short[:-1]))
            del short[:-1]
        if short:
            story.append(_rows_table(short))
            short.clear()

    for row in block.rows:
        if not row.long:
            short.append(row)
            continue
        flush()
        story += [CondPageBreak(SUB_ROOM), _p(row.label, "sub")]
        for para in _paragraphs(row.value):
            story += _long(para)
    flush(last=loose_end and not (block.tables or block.bullets))
    for table in block.tables:
        story.extend(_repeat_table(table))
    for text in block.bullets:
        story.append(_p(text, "bullet", "•"))
    if block.empty and not (block.rows or block.tables or block.bullets):
        story.append(_p(block.empty, "long"))
    first = next((i for i in range(2, len(story)) if not isinstance(story[i], CondPageBreak)), None)
    if first is not None and isinstance(story[first], _Table):  # the section's first table, after its heading
        story[1:first + 1] = _with_heading(story[1], story[first])
    return story


def _top(summary: Summary, code: PrintCode) -> Table:
    lang = summary.lang
    meta = _rows_table([_Row(k, v) for k, v in summary.meta], label_w=38 * mm, width=BODY_W - QR_SIZE - 6 * mm)
    verify = [
        QrFlowable(code.qr, QR_SIZE),
        Paragraph(escape(code.short[:19]) + "<br/>" + escape(code.short[20:]), _code_style(code.short)),
        Spacer(1, 1.5 * mm),
        _p(summary.verify_help, "small"),
    ]
    t = Table([[meta, verify]], colWidths=[BODY_W - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (1, 0), (1, 0), 6 * mm),
    ]))
    return t


def _code_style(short: str) -> ParagraphStyle:
    """The code's style, smaller when its widest half would wrap under the QR (letters such as
    W are wide: "WP8W" once broke a third line off)."""
    st = styles()["code"]
    width = max(stringWidth(half, st.fontName, st.fontSize) for half in (short[:19], short[20:]))
    room = QR_SIZE - 2
    if width <= room:
        return st
    size = st.fontSize * room / width
    return ParagraphStyle("code-fit", st, fontSize=size, leading=st.leading)


class _Row:
    __slots__ = ("label", "value", "long")

    def __init__(self, label: str, value: str) -> None:
        self.label, self.value, self.long = label, value, False


def _boxed(text: str, background, line) -> Table:
    t = Table([[_p(text, "notice")]], colWidths=[BODY_W], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), background),
        ("BOX", (0, 0), (-1, -1), 0.8, line),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
    ]))
    return t


def _together(flowables: list) -> KeepTogether:
    """KeepTogether over ``flowables``, a KeepTogether among them opened up: reportlab measures
    a nested KeepTogether as endless, and the whole group would always start a new page."""
    flat: list = []
    for f in flowables:
        flat.extend(_together(f._content)._content if isinstance(f, KeepTogether) else [f])
    return KeepTogether(flat)


def _screening(summary: Summary) -> list:
    lang = summary.lang
    story: list = [_p(i18n.t("screening.title", lang), "head")]  # CondPageBreak(40 mm) before
    if not summary.screening:
        story.append(_p(summary.screening_empty, "long"))
    for text, reasons in summary.screening:
        # an indication never ends a page with its reasons on the next
        story.append(KeepTogether([_p(text, "indication", "•")] + [_p(line, "reason", "–") for line in reasons]))
    if summary.screening_note:
        story.append(_p(summary.screening_note, "note"))
    if summary.screening_missing:
        story += [CondPageBreak(SUB_ROOM), _p(i18n.t("screening.partial.title", lang), "sub")]
        story += [_p(line, "reason", "–") for line in summary.screening_missing]
    # the disclaimer is never cut from what it qualifies: the last lines above it come along
    story.append(_together([story.pop(), Spacer(1, 2 * mm),
                            _boxed(i18n.t("screening.disclaimer", lang), colors.white, RULE)]))
    return story


def _signatures(summary: Summary, tail: list) -> KeepTogether:
    col = (BODY_W - 10 * mm) / 2
    sigs = list(summary.signatures) + [("", "")] * (2 - len(summary.signatures))
    captions = [_p(c, "small") for c, _ in sigs]
    names = [_p(n, "value") for _, n in sigs]
    t = Table([["", "", ""], [captions[0], "", captions[1]], [names[0], "", names[1]]],
              colWidths=[col, 10 * mm, col], rowHeights=[20 * mm, None, None], hAlign="LEFT")
    lines = [("LINEBELOW", (2 * i, 0), (2 * i, 0), 0.8, INK) for i in range(len(summary.signatures))]
    t.setStyle(TableStyle(lines + [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    title = i18n.t("print.signature.title" if len(summary.signatures) > 1 else "print.signature.title_one",
                   summary.lang)
    # the last lines before it come along: the signature block never stands alone on a page
    return _together(tail + [Spacer(1, 4 * mm), _p(title, "head"), t])


def story(summary: Summary, code: PrintCode) -> list:
    out: list = [_p(summary.title, "title"), _p(summary.copy_label, "copy")]
    if summary.handover:
        out.append(_p(summary.handover, "handover"))
    out.append(_top(summary, code))
    if summary.purged:  # identity data removed here: said before anything else is read
        out += [Spacer(1, 3 * mm), _boxed(summary.purged, NOTICE_BG, ALERT)]
    if summary.notice:
        out += [Spacer(1, 3 * mm), _boxed(summary.notice, NOTICE_BG, NOTICE_LINE)]
    blocks = list(summary.blocks)
    rights = blocks.pop() if blocks and blocks[-1].bullets else None  # the person's rights: kept with the signature
    for n, block in enumerate(blocks, 1):
        out.extend(_block(block, loose_end=n == len(blocks) and not summary.screening_shown))
    if summary.screening_shown:
        out.append(CondPageBreak(40 * mm))
        out.extend(_screening(summary))
    # the signature block takes along the person's rights, or the last lines before it
    tail = _block(rights)[1:] if rights is not None else _tail(out)  # [1:]: without its CondPageBreak
    out.append(_signatures(summary, tail))
    return out


def _tail(out: list) -> list:
    """The last flowable of ``out`` when it is short (a paragraph, a kept group, a one-row table),
    with its heading when the heading comes right before it: they go with the signatures."""
    if not (isinstance(out[-1], (Paragraph, KeepTogether)) or getattr(out[-1], "_nrows", 0) == 1):
        return []
    tail = [out.pop()]
    if isinstance(out[-1], Paragraph) and out[-1].style.name.startswith(("head", "sub")):
        tail.insert(0, out.pop())
    return tail


def _canvas_class(summary: Summary, code: PrintCode):
    lang = summary.lang
    marking = summary.marking
    header = i18n.t("print.header.case", lang, case=summary.case_id, copy=summary.header_copy)
    printed = i18n.t("print.printed_at", lang, when=summary.printed_at)
    verify = i18n.t("print.footer.code", lang, code=code.short)

    class NumberedCanvas(Canvas):
        """Defers each page so the footer can say "page x of y" in one pass."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._decorate(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, number: int, total: int) -> None:
            top = PAGE_H - 12 * mm
            self.setFillColor(ALERT)
            self.setFont(BOLD, 10.5)
            self.drawString(MARGIN_X, top, marking)
            self.setFillColor(INK)
            self.setFont(FONT, 8.5)
            self.drawRightString(PAGE_W - MARGIN_X, top, header)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN_X, top - 2.5 * mm, PAGE_W - MARGIN_X, top - 2.5 * mm)
            bottom = 9 * mm
            self.line(MARGIN_X, bottom + 8 * mm, PAGE_W - MARGIN_X, bottom + 8 * mm)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7.5)
            self.drawString(MARGIN_X, bottom + 4 * mm, printed)
            self.drawString(MARGIN_X, bottom, verify)
            self.setFillColor(INK)
            self.setFont(BOLD, 8.5)
            self.drawRightString(PAGE_W - MARGIN_X, bottom + 4 * mm,
                                 i18n.t("print.page", lang, page=number, pages=total))

    return NumberedCanvas


def render_pdf(summary: Summary, code: PrintCode) -> bytes:
    """The PDF bytes of ``summary``; built in memory only."""
    register_fonts()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP, bottomMargin=BOTTOM,
        title=i18n.t("print.pdf_title", summary.lang, case=summary.case_id), author="", subject="",
        creator="intake-app", lang=summary.lang,
    )
    frame = Frame(MARGIN_X, BOTTOM, PAGE_W - 2 * MARGIN_X, PAGE_H - TOP - BOTTOM, leftPadding=PAD, rightPadding=PAD,
                  topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story(summary, code), canvasmaker=_canvas_class(summary, code))
    return buf.getvalue()
