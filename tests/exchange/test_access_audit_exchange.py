"""The exchange's refusals for another institution's objects are audited as the rest of the
server's are (``access_refused``): approving, cancelling or downloading another
institution's package, and opening a record received for another institution. The answer
stays exactly a missing one's; the entry holds the role, the reason (``other_institution``
or ``not_found``), the attempt and the package or record id, never a typed value that is
no id. All persons are fictional."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.auth import add_user
from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import PackageUnknown, ReceivedCaseUnknown

from .conftest import PASSWORD, person
from .test_access_audit import all_audit_text, page_client, refusals
from .test_refusals import referral

MISSING = "xp-" + "0" * 32  # a package id as the server makes them, that no package has


def test_another_institutions_package_is_refused_as_a_missing_one_and_audited(pair):
    cr, _ = pair
    for user, inst in (("sup.eri", "eri"), ("sup.eri2", "eri"), ("sup.pani", "pani")):
        add_user(cr.engine, cr.settings, user, PASSWORD, "supervisor", inst, actor="test")
    case_id, = cr.laptop().save([person(91)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.eri",
                                    institution="eri")
    pid = pkg.package_id
    app = create_app(cr.settings, cr.keystore, cr.engine)
    pani = page_client(app, "exchange", "sup.pani")

    def tried(package_id: str, action: str) -> str:
        r = pani.post(f"/exchange/packages/{package_id}/{action}", data={})
        assert r.status_code == 303, r.text
        return r.headers["location"]

    assert tried(pid, "approve") == tried(MISSING, "approve").replace(MISSING, pid)
    assert "error=exchange_package_unknown" in tried(pid, "approve")
    outgoing.approve(cr.engine, cr.keystore, pid, approver="user:sup.eri2", approver_role="supervisor",
                     institution="eri")  # approved by its own institution: a file the PANI reaches for
    for action in ("cancel", "file"):
        assert tried(pid, action) == tried(MISSING, action).replace(MISSING, pid)
        assert "error=exchange_package_unknown" in tried(pid, action)
    assert outgoing.get_package(cr.engine, pid).status == "approved"  # untouched: neither cancelled nor sent
    base = {"actor": "user:sup.pani", "role": "supervisor"}
    other, missing = {**base, "target": pid, "reason": "other_institution"}, \
        {**base, "target": MISSING, "reason": "not_found"}
    assert refusals(cr) == [
        {**other, "attempt": "package_approve"}, {**missing, "attempt": "package_approve"},
        {**other, "attempt": "package_approve"},
        {**other, "attempt": "package_cancel"}, {**missing, "attempt": "package_cancel"},
        {**other, "attempt": "package_cancel"},
        {**other, "attempt": "package_export"}, {**missing, "attempt": "package_export"},
        {**other, "attempt": "package_export"},
    ]

    # the functions: the same error and parameters as for a missing package, each try audited
    count = len(refusals(cr))
    for call in (lambda p: outgoing.cancel(cr.engine, p, actor="user:sup.pani", institution="pani"),
                 lambda p: outgoing.export(cr.engine, p, actor="user:sup.pani", institution="pani")):
        with pytest.raises(PackageUnknown) as theirs:
            call(pid)
        with pytest.raises(PackageUnknown) as none:
            call(MISSING)
        assert (theirs.value.code, theirs.value.params) == (none.value.code, {"package_id": pid})
    assert len(refusals(cr)) == count + 4

    # a typed value that is no package id is not kept; the national scope's miss is not_found
    assert "error=exchange_package_unknown" in tried("Mar%C3%ADa FICTICIA", "approve")
    assert refusals(cr)[-1] == {**base, "target": None, "reason": "not_found", "attempt": "package_approve"}
    assert "FICTICIA" not in all_audit_text(cr) and "María" not in all_audit_text(cr)
    national = page_client(app, "exchange", "sup.uno")
    assert "error=exchange_package_unknown" in national.post(f"/exchange/packages/{MISSING}/cancel",
                                                             data={}).headers["location"]
    assert refusals(cr)[-1] == {"actor": "user:sup.uno", "role": "supervisor", "target": MISSING,
                                "reason": "not_found", "attempt": "package_cancel"}

    # its own institution's supervisor: nothing refused, the file leaves
    count = len(refusals(cr))
    eri = page_client(app, "exchange", "sup.eri")
    assert eri.post(f"/exchange/packages/{pid}/file", data={}).status_code == 200
    assert len(refusals(cr)) == count


def test_a_record_received_for_another_institution_is_refused_as_a_missing_one_and_audited(pair):
    cr, pa = pair
    add_user(pa.engine, pa.settings, "sup.uia", PASSWORD, "supervisor", "uia", actor="test")
    add_user(pa.engine, pa.settings, "sup.senniaf", PASSWORD, "supervisor", "senniaf", actor="test")
    case_id, = cr.laptop().save([person(92)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="user:sup.uia", institution="uia")
    (rec,) = incoming.list_received_cases(pa.engine, institution="uia")
    rid, absent = rec["id"], rec["id"] + 1000
    app = create_app(pa.settings, pa.keystore, pa.engine)
    senniaf = page_client(app, "exchange", "sup.senniaf")
    theirs, none = senniaf.get(f"/exchange/received/{rid}"), senniaf.get(f"/exchange/received/{absent}")
    assert theirs.status_code == none.status_code == 404
    assert theirs.text == none.text.replace(str(absent), str(rid)) and "FICTICIA" not in theirs.text
    with pytest.raises(ReceivedCaseUnknown) as err:
        incoming.open_received_case(pa.engine, rid, actor="user:sup.senniaf", institution="senniaf")
    assert err.value.params == {"record_id": rid}
    base = {"actor": "user:sup.senniaf", "role": "supervisor", "attempt": "received_view"}
    assert refusals(pa) == [{**base, "target": str(rid), "reason": "other_institution"},
                            {**base, "target": str(absent), "reason": "not_found"},
                            {**base, "target": str(rid), "reason": "other_institution"}]
    assert pa.audit_actions().count("exchange_opened") == 0  # the refused tries opened nothing

    uia = page_client(app, "exchange", "sup.uia")  # the institution it was sent to: opened, nothing refused
    assert "María92 FICTICIA" in uia.get(f"/exchange/received/{rid}").text
    assert len(refusals(pa)) == 3 and pa.audit_actions().count("exchange_opened") == 1
