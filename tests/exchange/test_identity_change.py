"""After ``exchange identity`` names another registry entry (second exchange review, #1):
what was received stays readable only by the institution each package was addressed to,
never by the institution the server is now; and the change itself, once packages went or
came, is refused unless the operator confirms it (``--yes``), in words that say what it
changes, audited with the old value and the new one. Real servers (SQLite, and the reading
rule again on PostgreSQL). Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import pytest

from intake_app.server.auth import add_user
from intake_app.server.exchange import incoming
from intake_app.server.exchange.errors import (
    IdentityChangeNeedsConfirmation,
    NotYourInstitution,
    PackageUnknown,
    ReceivedCaseUnknown,
)
from intake_app.server.exchange.registry import self_entry, set_self_key

from .conftest import PASSWORD, person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_page_words import client_of
from .test_received_tables import aggregate_received
from .test_refusals import referral


def received_for_the_uia(cr, pa) -> tuple[int, str]:
    """(a record received for the UIA, an aggregate package received for it)."""
    for user, inst in (("sup.uia", "uia"), ("sup.snm", "snm")):
        add_user(pa.engine, pa.settings, user, PASSWORD, "supervisor", inst, actor="test")
    data = referral(cr, cr.laptop().save([person(81)]))
    incoming.import_package(pa.engine, pa.keystore, data, actor="user:sup.uia", institution="uia")
    (record,) = incoming.list_received_cases(pa.engine, institution="uia")
    return record["id"], aggregate_received(cr, pa)


def check_the_old_recipient_keeps_what_came_for_it(pa, record_id: int, tables_id: str) -> None:
    """The server is now the SNM: its supervisors see nothing of what came for the UIA; the
    UIA's still read it; national scope sees everything."""
    assert self_entry(pa.engine).key == "pa_snm"
    assert incoming.list_received(pa.engine, institution="snm") == []
    assert incoming.list_received_cases(pa.engine, institution="snm", include_withdrawn=True) == []
    with pytest.raises(ReceivedCaseUnknown):
        incoming.open_received_case(pa.engine, record_id, actor="user:sup.snm", institution="snm")
    with pytest.raises(PackageUnknown):
        incoming.open_received_tables(pa.engine, tables_id, actor="user:sup.snm", institution="snm")
    assert [r["id"] for r in incoming.list_received_cases(pa.engine, institution="uia")] == [record_id]
    assert {p["package_id"] for p in incoming.list_received(pa.engine, institution="uia")} >= {tables_id}
    assert incoming.open_received_case(pa.engine, record_id, actor="user:sup.uia", institution="uia")["content"]
    assert incoming.open_received_tables(pa.engine, tables_id, actor="user:sup.uia", institution="uia")["tables"]
    assert len(incoming.list_received(pa.engine)) == 2  # national scope (the operator's command line)
    # importing is the current identity's: a package for the SNM is now the SNM's supervisors' to import
    with pytest.raises(NotYourInstitution):
        incoming.check_may_receive(pa.engine, "uia")
    incoming.check_may_receive(pa.engine, "snm")


def test_received_records_stay_with_the_institution_they_were_addressed_to(pair):
    cr, pa = pair
    record_id, tables_id = received_for_the_uia(cr, pa)
    set_self_key(pa.engine, "pa_snm", actor="operator", confirmed=True)
    check_the_old_recipient_keeps_what_came_for_it(pa, record_id, tables_id)

    snm = client_of(pa, "sup.snm")  # the reviewer's steps, on the pages
    listing = snm.get("/exchange/received")
    assert listing.status_code == 200 and tables_id not in listing.text and f"/exchange/received/{record_id}" \
        not in listing.text
    r = snm.get(f"/exchange/received/{record_id}")
    assert r.status_code == 404 and "FICTICIA" not in r.text
    assert snm.get(f"/exchange/received/pkg/{tables_id}").status_code == 404
    refused = audit_params(pa, "access_refused")
    assert [(p["reason"], p["attempt"]) for p in refused][-2:] == [("other_institution", "received_view"),
                                                                   ("other_institution", "received_tables_view")]
    uia = client_of(pa, "sup.uia")
    assert "María81 FICTICIA" in uia.get(f"/exchange/received/{record_id}").text
    assert uia.get(f"/exchange/received/pkg/{tables_id}").status_code == 200
    opened = [e for e in pa.audit_actions() if e == "exchange_opened"]
    assert len(opened) == 2  # the UIA's two openings (function, page); the SNM opened nothing


def test_changing_the_identity_after_packages_needs_yes(pair, files, capsys):  # noqa: F811
    cr, pa = pair
    code, out = cli(capsys, files, pa, "exchange", "identity", "pa_snm")  # nothing sent or received yet
    assert code == 0 and "pa_snm" in out, out
    assert audit_params(pa, "exchange_identity")[-1] == {"old": "pa_uia", "new": "pa_snm"}
    set_self_key(pa.engine, "pa_uia", actor="test")
    received_for_the_uia(cr, pa)

    for lang, words in (("es", ("recibió 2 paquetes", "--yes", "No se cambió nada", "«pa_snm»")),
                        ("en", ("received 2 packages", "--yes", "Nothing was changed", "“pa_snm”"))):
        code, out = cli(capsys, files, pa, "exchange", "identity", "pa_snm", lang=lang)
        assert code == 2 and all(w in out for w in words), out
    assert self_entry(pa.engine).key == "pa_uia"
    with pytest.raises(IdentityChangeNeedsConfirmation) as info:
        set_self_key(pa.engine, "pa_snm", actor="test")
    assert info.value.params == {"old": "pa_uia", "new": "pa_snm", "sent": 0, "pending": 0, "received": 2}
    cr_side = cr.count("exchange_packages", "WHERE status = 'sent'")
    with pytest.raises(IdentityChangeNeedsConfirmation):  # the sending side too: its packages went as the ERI
        set_self_key(cr.engine, "cr_pani", actor="test")
    assert cr_side == 2

    code, out = cli(capsys, files, pa, "exchange", "identity", "pa_uia")  # the same entry again: no question
    assert code == 0, out
    code, out = cli(capsys, files, pa, "exchange", "identity", "pa_snm", "--yes")
    assert code == 0 and "pa_snm" in out, out
    assert self_entry(pa.engine).key == "pa_snm"
    assert audit_params(pa, "exchange_identity")[-1] == {"old": "pa_uia", "new": "pa_snm"}


def test_received_records_stay_with_their_institution_on_postgresql(pg_pair):
    cr, pa = pg_pair
    record_id, tables_id = received_for_the_uia(cr, pa)
    with pytest.raises(IdentityChangeNeedsConfirmation):
        set_self_key(pa.engine, "pa_snm", actor="operator")
    set_self_key(pa.engine, "pa_snm", actor="operator", confirmed=True)
    check_the_old_recipient_keeps_what_came_for_it(pa, record_id, tables_id)
