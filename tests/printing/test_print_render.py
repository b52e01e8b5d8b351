"""The printed summary: labels and values from the codebook, every page marked, long cases
flowing across pages, an audit entry per print, no temporary file."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile

import pytest
from pypdf import PdfReader

from intake_app.printing import print_summary, render_summary

from tests.printing.print_helpers import LONG_MARKER, flat, pdf_pages, pdf_text


def test_official_copy_has_spanish_labels_and_values(vault, cases):
    pdf = render_summary(vault, cases["intake-adult-woman"], copy="official", lang="es")
    text = flat(pdf_text(pdf))
    for expected in (
        "Resumen de la entrevista inicial", "Copia oficial",
        # section and field labels from the codebook
        "Identidad", "Nombre(s)", "Apellidos", "Número de documento", "Fecha de nacimiento",
        "Relato (en palabras de la persona)", "Consentimiento informado", "Propósitos autorizados",
        "Referencias realizadas",
        # values, as labels (never codes), dates in the local format, every accent right
        "Yelitza FICTICIA", "Muñoz Ejemplo", "FICT-884213", "07/03/1998", "14/10/2026", "Pasaporte",
        "Explotación sexual", "Prostitución ajena", "Servidumbre por deudas", "Paso Canoas (CR)",
        "Consentimiento otorgado", "Atención y servicios de protección", "Estadísticas no identificables",
        "INAMU – Instituto Nacional de las Mujeres", "Aceptada", "le retuvieron el pasaporte",
        # screening worded as indications, with the reasons and the disclaimer
        "Indicios de la evaluación inicial", "Hay indicios de posible trata de personas",
        "Hay indicios de tráfico ilícito de migrantes", "no conclusiones",
        # officer, post, revision and the two signatures
        "oficial.prueba", "Revisión impresa", "Firma de la persona funcionaria",
        "Firma de la persona entrevistada",
    ):
        assert expected in text, expected
    assert "sexual_exploitation" not in text and "cr_paso_canoas" not in text


def test_english_copy(vault, cases):
    text = flat(pdf_text(render_summary(vault, cases["intake-adult-woman"], lang="en")))
    for expected in ("Initial intake summary", "CONFIDENTIAL", "Given name(s)", "Sexual exploitation",
                     "Signature of the officer",
                     "Page 1 of"):
        assert expected in text, expected


def test_every_page_is_marked_and_names_no_person(vault, cases):
    pdf = render_summary(vault, cases["long"], copy="official", lang="es")
    pages = pdf_pages(pdf)
    assert len(pages) >= 4
    case_id = cases["long"]
    for number, page in enumerate(pages, 1):
        assert "CONFIDENCIAL" in page
        assert f"Caso {case_id}" in page
        assert f"Página {number} de {len(pages)}" in page
        assert "Impreso el" in page
    # the header of page 2 on, and the PDF's own metadata, never carry the name
    for page in pages[1:]:
        assert "Yelitza" not in page.split("\n")[0]
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert "Yelitza" not in str(dict(meta)) and case_id in meta.title


def test_long_narrative_and_every_multiselect_flow_without_loss(vault, cases):
    from intake_app.codebook import load_codebook

    cb = load_codebook()
    pdf = render_summary(vault, cases["long"], copy="official", lang="es")
    text = flat(pdf_text(pdf))
    assert LONG_MARKER in text  # the narrative's last words made it
    assert text.count("Relato FICTICIO de prueba") >= 100
    for vocab in ("control_methods", "means", "exploitation_types", "ilo_indicators", "consent_checklist"):
        for term in cb.vocab(vocab).terms:
            assert flat(term.es) in text, term.code
    for country in ("Zimbabue", "Afganistán", "Costa Rica", "Panamá"):
        assert country in text  # every transit country ticked
    assert text.count("14/10/2026") >= 40  # 40 referrals


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_nothing_is_drawn_outside_the_page_body(vault, cases, tmp_path):
    """Every word box of the long case lies inside the page (no clipped or overflowing text)."""
    import re

    pdf = render_summary(vault, cases["long"], copy="official", lang="es")
    src = tmp_path / "long.pdf"
    src.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(src), "-"], capture_output=True, text=True, check=True).stdout
    page_w, page_h = 595.28, 841.89
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    assert len(words) > 3000
    for x0, y0, x1, y1 in ((float(a), float(b), float(c), float(d)) for a, b, c, d in words):
        assert 40 <= x0 and x1 <= page_w - 40, (x0, x1)
        assert 20 <= y0 and y1 <= page_h - 20, (y0, y1)


def test_every_print_is_an_audit_entry(vault, cases, tmp_path):
    case_id = cases["intake-adult-woman"]
    before = [e for e in vault.audit.entries(case_id=case_id) if e.action == "case_print"]
    render_summary(vault, case_id, copy="official", lang="es")
    render_summary(vault, case_id, copy="redacted", recipient="inamu", lang="en")
    print_summary(vault, case_id, tmp_path / "s.pdf", copy="official", lang="en")
    prints = [e for e in vault.audit.entries(case_id=case_id) if e.action == "case_print"][len(before):]
    assert [(e.detail["copy"], e.detail["lang"], e.detail["recipient"], e.detail["destination"]) for e in prints] == [
        ("official", "es", None, "printer"), ("redacted", "en", "inamu", "printer"), ("official", "en", None, "file")]
    rec = vault.get_case(case_id)
    assert all(e.revision_id == rec.revision_id and e.officer_id == vault.officer.id for e in prints)
    assert prints[1].detail["basis"] == "consent" and prints[1].detail["purpose"] == "services"
    assert all(len(e.detail["code"]) == 39 for e in prints)
    vault.audit.verify()


def test_written_only_where_asked_and_no_temporary_file(vault, cases, tmp_path, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("a temporary file was created")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, forbidden)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = print_summary(vault, cases["intake-adult-woman"], out_dir / "resumen.pdf", lang="es")
    assert [p.name for p in out_dir.iterdir()] == ["resumen.pdf"]
    data = (out_dir / "resumen.pdf").read_bytes()
    assert data == result.pdf and data.startswith(b"%PDF")
    assert (out_dir / "resumen.pdf").stat().st_mode & 0o077 == 0


def test_fonts_are_embedded(vault, cases):
    pdf = render_summary(vault, cases["intake-adult-woman"])
    assert b"/FontFile2" in pdf  # the TrueType font travels with the document
