"""Page breaks: a table never leaves one row alone on either side of a break, the screening
disclaimer stays with the indications it qualifies, the person's rights go with the signature
line, and the verification code under the QR always fits its two lines. FICTIONAL data."""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Table

from intake_app.printing import layout, prepare
from intake_app.printing.summary import Row, build_summary
from intake_app.printing.verify import PrintCode, make_code
from tests.printing.print_helpers import long_case, pdf_pages


def _rows(n: int) -> list[Row]:
    return [Row(f"Etiqueta {i}", f"Valor FICTICIO {i}") for i in range(n)]


def _row_counts(parts) -> list[int]:
    return [len(p._cellvalues) for p in parts]


def test_a_table_leaves_no_single_row_at_a_page_foot_or_top():
    table = layout._rows_table(_rows(5))
    table.wrap(layout.BODY_W, 10_000)
    row = table._rowHeights[0]
    first, rest = table.split(layout.BODY_W, 4 * row + 1)  # room for 4 rows: not 4 + 1
    assert _row_counts([first, rest]) == [3, 2]
    rest.wrap(layout.BODY_W, 10_000)
    assert rest.split(layout.BODY_W, row + 1) == []  # the last two never split again into 1 + 1
    assert table.split(layout.BODY_W, row + 1) == []  # nor one row alone under a heading
    assert layout._rows_table(_rows(2)).split(layout.BODY_W, row + 1) == []


def test_a_repeat_table_keeps_two_rows_under_its_header():
    from intake_app.printing.summary import Table as RepeatTable

    data = RepeatTable("Referencias", ("Institución", "Fecha", "Resultado"),
                       tuple((f"Institución FICTICIA {i}", "14/10/2026", "Pendiente") for i in range(6)))
    table = next(f for f in layout._repeat_table(data) if isinstance(f, Table))
    table.wrap(layout.BODY_W, 10_000)
    row = table._rowHeights[1]
    parts = table.split(layout.BODY_W, table._rowHeights[0] + 5 * row + 1)  # room for 5 of the 6 rows
    assert _row_counts(parts) == [1 + 4, 1 + 2]  # each part: the header and 2 rows or more
    assert table.split(layout.BODY_W, table._rowHeights[0] + row + 1) == []


def _story(vault, case, copy="official"):
    rec = vault.get_case(case)
    summary = build_summary(vault, rec, copy, "es")
    code = make_code(vault.device_keys().ed25519_seed, rec.case_id, rec.content_hash, copy, None)
    return summary, code, layout.story(summary, code)


def _texts(flowables) -> list[str]:
    out = []
    for f in flowables:
        if isinstance(f, KeepTogether):
            out += _texts(f._content)
        elif hasattr(f, "getPlainText"):
            out.append(f.getPlainText())
        elif isinstance(f, Table):
            out += [c.getPlainText() if hasattr(c, "getPlainText") else str(c) for row in f._cellvalues for c in row]
    return out


def _nested(flowables) -> bool:
    return any(isinstance(g, KeepTogether) for f in flowables if isinstance(f, KeepTogether) for g in f._content)


def test_the_disclaimer_and_the_last_indication_go_with_the_signatures(vault, sample):
    case = vault.save_case(sample("intake-adult-woman")).case_id  # several indications raised
    summary, _, flowables = _story(vault, case)
    last_indication = summary.screening[-1][0]
    group = flowables[-1]
    assert isinstance(group, KeepTogether)
    texts = _texts(group._content)
    assert last_indication in texts
    assert any(t.startswith("Estos son indicios para orientar") for t in texts)
    # reportlab measures a KeepTogether inside another as endless: the group would always start a page
    assert not _nested(flowables)


def test_the_rights_go_with_the_signature_on_the_person_copy(vault, sample):
    case = vault.save_case(long_case(sample)).case_id  # 40 referrals: the copy takes two pages
    _, _, flowables = _story(vault, case, "person")
    texts = _texts(flowables[-1]._content)
    assert "Sus derechos" in texts and sum(t.startswith(("Sus datos", "Puede", "Para ejercer")) for t in texts) == 4
    pages = pdf_pages(prepare(vault, case, copy="person").pdf)
    signed = next(p for p in pages if "Firma de la persona funcionaria" in p)
    assert "Sus derechos" in signed and "Sus datos están protegidos" in signed


def test_a_code_of_wide_letters_keeps_to_two_lines_under_the_qr(vault, sample):
    case = vault.save_case(sample("intake-adult-woman")).case_id
    rec = vault.get_case(case)
    summary = build_summary(vault, rec, "official", "es")
    real = make_code(vault.device_keys().ed25519_seed, rec.case_id, rec.content_hash, "official", None)
    wide = PrintCode(short="-".join(["WWWW"] * 8), qr=real.qr)
    first = pdf_pages(layout.render_pdf(summary, wide))[0].splitlines()
    assert first.count("WWWW-WWWW-WWWW-WWWW") == 2, [line for line in first if "W" in line]


def test_a_heading_never_ends_a_page_above_a_table_that_moves_whole():
    from intake_app.printing.summary import Block

    short = layout._block(Block("Datos calculados", rows=tuple(_rows(3))))  # too short to split: moves whole
    (kept,) = [f for f in short if isinstance(f, KeepTogether)]
    assert _texts(kept._content)[0] == "Datos calculados" and isinstance(kept._content[1], Table)
    long = layout._block(Block("Identidad", rows=tuple(_rows(6))))  # splits by rows: follows its heading freely
    assert not any(isinstance(f, KeepTogether) for f in long)
