"""A narrative of thousands of short lines and no blank line (20,000 characters: 10,000 lines,
170 pages) is laid out in pieces of a bounded number of lines: as one paragraph, reportlab
wrapped what was left of it again at every page it was split over, and the print took half a
minute (quadratic). The pieces print as the one paragraph did. FICTIONAL text."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.platypus import Paragraph

from intake_app.printing import layout, prepare
from intake_app.printing.summary import Block, Row

FRAME_H = layout.PAGE_H - layout.TOP - layout.BOTTOM


def _narrative(text: str) -> list[Paragraph]:
    block = Block("Relato", rows=(Row("Relato de la persona", text, long=True),))
    return [f for f in layout._block(block) if isinstance(f, Paragraph) and f.style.name.startswith("long")]


def test_ten_thousand_lines_are_laid_out_in_pieces_of_less_than_a_page():
    pieces = _narrative(("a\n" * 10_000)[:19_999])
    leading = layout.styles()["long"].leading
    heights = [p.wrap(layout.BODY_W, 10**7)[1] for p in pieces]
    assert round(sum(heights) / leading) == 10_000  # every line, once
    assert max(heights) < FRAME_H  # shorter than a page: each piece is split once at most
    # read as one paragraph: no space between the pieces, the paragraph's own after the last
    assert [p.style.spaceAfter for p in pieces] == [0] * (len(pieces) - 1) + [layout.styles()["long"].spaceAfter]
    assert all(p.style.spaceBefore == 0 for p in pieces)
    # only the paragraph's first line is kept from standing alone at the foot of a page
    assert [p.style.allowOrphans for p in pieces[:3]] == [0, 1, 1]


def test_a_short_paragraph_stays_one_paragraph():
    (one,) = _narrative("\n".join(f"Línea FICTICIA {n}" for n in range(layout.PIECE_LINES)))
    assert one.style is layout.styles()["long"]


def test_a_line_of_invisible_characters_where_the_text_is_cut_keeps_its_place():
    lines = [f"Línea FICTICIA {n}" for n in range(3 * layout.PIECE_LINES)]
    cut = layout.PIECE_LINES
    lines[cut - 1] = lines[cut] = "\u200b"  # a zero-width space only: reportlab sees no word
    pieces = _narrative("\n".join(lines))
    leading = layout.styles()["long"].leading
    assert [round(p.wrap(layout.BODY_W, 10**7)[1] / leading) for p in pieces] == [cut] * 3  # no line lost
    second = pieces[1]
    second.wrap(layout.BODY_W, 10**7)
    first_line, rest = second.split(layout.BODY_W, 1.5 * leading)  # the empty line alone at a page's foot
    assert round(rest.wrap(layout.BODY_W, 10**7)[1] / leading) >= cut - 1


def test_a_narrative_of_two_thousand_lines_prints_every_line_evenly_spaced(vault, sample):
    lines = [f"L{n:04d}" for n in range(2_000)]
    content = sample("intake-adult-woman")
    content["narrative"] = "\n".join(lines)
    pdf = prepare(vault, vault.save_case(content).case_id).pdf
    seen, steps = [], []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list = []
        page.extract_text(visitor_text=lambda t, cm, tm, f, s: runs.append((cm[5] + tm[5], t.strip())))
        ys = [y for y, text in runs if text in lines]
        seen += [text for _, text in runs if text in lines]
        steps += [round(a - b, 2) for a, b in zip(ys, ys[1:])]
    assert seen == lines
    assert set(steps) == {layout.styles()["long"].leading}  # across the pieces as within them
