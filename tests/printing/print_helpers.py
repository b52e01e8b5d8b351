"""Helpers of the printing tests: text extraction and a very long FICTIONAL case."""

from __future__ import annotations

import io

from intake_app.codebook import load_codebook

LONG_MARKER = "FIN-DEL-RELATO-FICTICIO"


def pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def flat(text: str) -> str:
    """Extracted text with line breaks folded (a value may wrap inside its cell)."""
    return " ".join(text.split())


def long_case(sample) -> dict:
    """A FICTIONAL worst case: a narrative at the codebook's limit, every multi-select ticked,
    the most referrals allowed."""
    cb = load_codebook()
    rec = sample("intake-adult-woman")
    para = ("Relato FICTICIO de prueba con acentos: áéíóú ñ ü ¿? ¡! — la persona cuenta que viajó durante "
            "semanas, que le quitaron el pasaporte y que trabajó sin descanso. ")
    text = ""
    while len(text) < 19_000:
        text += para * 6 + "\n"
    rec["narrative"] = text[:19_900 - len(LONG_MARKER)] + LONG_MARKER
    for key, f in cb.fields.items():
        if f.type == "multi":
            rec[key] = list(cb.vocab(f).codes)
    rec["tr_labour_industry"] = "t"
    rec["referrals"] = [{"institution": code, "date": "2026-10-14", "outcome": "pending"}
                        for code in (cb.vocab("institutions").codes * 2)[:40]]
    return rec


def between(text: str, start: str, end: str) -> str:
    """The part of ``text`` from ``start`` up to ``end`` (or to the end), for one section."""
    at = text.index(start)
    stop = text.find(end, at + len(start))
    return text[at:stop if stop >= 0 else len(text)]
