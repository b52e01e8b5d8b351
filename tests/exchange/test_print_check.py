"""A printed summary checked at the central office from its QR: genuine and current,
genuine but edited since, a redacted copy names its recipient, an altered paper, a paper
of a revision not synced yet, a typed short code (only the printing laptop can check it).
Each check is audited with ids and the outcome only. All persons are fictional."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from intake_app.printing.errors import PrintCodeInvalid, PrintCodeMalformed
from intake_app.printing.verify import make_code
from intake_app.server.print_check import PrintNeedsQr, PrintNotReceived, check_print, describe

from .conftest import person


def head_hash(srv, case_id: str) -> str:
    with srv.engine.connect() as conn:
        return conn.execute(text("SELECT r.content_hash FROM revisions r JOIN cases c ON c.head_revision_id ="
                                 " r.revision_id WHERE c.case_id = :c"), {"c": case_id}).scalar_one()


def test_a_printed_summary_is_checked_at_the_office(pair):
    cr, _ = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(81)])
    first = head_hash(cr, case_id)
    official = make_code(laptop.keys.ed25519_seed, case_id, first, "official", None)
    redacted = make_code(laptop.keys.ed25519_seed, case_id, first, "redacted", "inamu")

    ok = check_print(cr.engine, official.qr, actor="user:sup.uno")
    assert (ok.case_id, ok.revision_number, ok.revisions, ok.current, ok.copy) == (case_id, 1, 1, True, "official")
    words = describe(ok, "es")
    assert words.startswith("Resumen auténtico: caso " + case_id) and "Paso Canoas" in words
    assert "FICTICIA" not in words  # no personal data in the answer
    red = check_print(cr.engine, redacted.qr.lower(), actor="user:sup.uno")  # a scanner may type lower case
    assert red.copy == "redacted" and red.recipient == "inamu"
    assert "INAMU" in describe(red, "en") and describe(red, "en").startswith("Genuine summary")
    own = check_print(cr.engine, make_code(laptop.keys.ed25519_seed, case_id, first, "person", None).qr,
                      actor="user:sup.uno")  # the copy the person keeps
    assert (own.copy, own.recipient) == ("person", None) and "copia para la persona" in describe(own, "es")

    laptop.save([person(81, phone="+506 8888 3333")], [case_id])  # edited after printing
    old = check_print(cr.engine, official.qr, actor="user:sup.uno")
    assert not old.current and (old.revision_number, old.revisions) == (1, 2)
    assert "desactualizado" in describe(old, "es")

    # an altered paper: the signature of another device (or another content) does not check out
    other = cr.laptop()
    forged = make_code(other.keys.ed25519_seed, case_id, first, "official", None)
    with pytest.raises(PrintCodeInvalid):
        check_print(cr.engine, forged.qr, actor="user:sup.uno")
    # a revision the laptop has not synced yet (or a made-up content)
    unsent = make_code(laptop.keys.ed25519_seed, case_id, "ab" * 32, "official", None)
    with pytest.raises(PrintNotReceived) as info:
        check_print(cr.engine, unsent.qr, actor="user:sup.uno")
    assert info.value.params == {"case": case_id, "known": 1}
    with pytest.raises(PrintNeedsQr):
        check_print(cr.engine, official.short, actor="user:sup.uno")
    with pytest.raises(PrintCodeMalformed):
        check_print(cr.engine, "INTAKE1:no-es-un-codigo", actor="user:sup.uno")

    with cr.engine.connect() as conn:
        details = [r[0] for r in conn.execute(text("SELECT detail FROM audit_log WHERE action = 'print_check'"
                                                   " ORDER BY seq"))]
    outcomes = [d.split('"outcome":"')[1].split('"')[0] for d in details]
    assert outcomes == ["valid", "valid", "valid", "superseded", "invalid", "not_received", "needs_qr", "malformed"]
    assert not ok.logged and "no registra esta impresión" in words  # this simulated laptop sends no log
    assert not any("FICTICIA" in d for d in details)


def test_the_office_page_checks_a_scanned_qr(pair):
    from .test_pages import serving, signed_in

    cr, _ = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(82)])
    code = make_code(laptop.keys.ed25519_seed, case_id, head_hash(cr, case_id), "official", None)
    with serving(cr) as url:
        sup = signed_in(url, "sup.uno")
        form = sup.get("/exchange/verify-print")
        assert form.status_code == 200 and "<title>Verificar un resumen impreso · " in form.text
        ok = sup.post("/exchange/verify-print", data={"code": code.qr})
        assert ok.status_code == 200 and "Resumen auténtico: caso " + case_id in ok.text
        assert "FICTICIA" not in ok.text
        bad = sup.post("/exchange/verify-print", data={"code": code.short, "lang": "en"})
        assert bad.status_code == 303 and code.short not in bad.headers["location"]
        assert "scan the summary" in sup.get(bad.headers["location"]).text
        assert signed_in(url, "analista").get("/exchange/verify-print").status_code == 403
