"""One server, several institutions: a supervisor sees, approves and sends only their own
institution's packages, and reads received records only when the package was addressed to
their institution. Another institution's package or record is simply not there for them
(404, not 403: its existence does not show). All persons are fictional."""

from __future__ import annotations

import pytest

from intake_app.server.auth import add_user
from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import NotYourInstitution, PackageUnknown

from .conftest import PASSWORD, person
from .test_pages import serving, signed_in
from .test_refusals import referral


def test_another_institutions_package_is_not_there(pair):
    cr, _ = pair
    for user, inst in (("sup.eri", "eri"), ("sup.eri2", "eri"), ("sup.pani", "pani")):
        add_user(cr.engine, cr.settings, user, PASSWORD, "supervisor", inst, actor="test")
    laptop = cr.laptop()
    case_id, = laptop.save([person(71)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.eri",
                                    institution="eri")
    assert outgoing.get_package(cr.engine, pkg.package_id).institution == "eri"
    with pytest.raises(PackageUnknown):
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.pani", approver_role="supervisor",
                         institution="pani")
    with serving(cr) as url:
        pani = signed_in(url, "sup.pani")
        assert pkg.package_id not in pani.get("/exchange/").text
        r = pani.post(f"/exchange/packages/{pkg.package_id}/approve", data={})
        assert r.status_code == 303 and "error=exchange_package_unknown" in r.headers["location"]
        r = pani.post(f"/exchange/packages/{pkg.package_id}/file", data={})
        assert r.status_code == 303 and "error=" in r.headers["location"]
        assert outgoing.get_package(cr.engine, pkg.package_id).status == "prepared"  # untouched

        eri2 = signed_in(url, "sup.eri2")  # the same institution's second supervisor approves and sends
        assert pkg.package_id in eri2.get("/exchange/").text
        assert eri2.post(f"/exchange/packages/{pkg.package_id}/approve", data={}).status_code == 303
        assert eri2.get(f"/exchange/packages/{pkg.package_id}/file").status_code == 405  # a state change: POST only
        file = eri2.post(f"/exchange/packages/{pkg.package_id}/file", data={})
        assert file.status_code == 200 and file.headers["content-type"] == "application/octet-stream"
        national = signed_in(url, "sup.uno")  # no institution: national scope sees every package
        assert pkg.package_id in national.get("/exchange/").text

        # the person withdraws: the notice belongs to the ERI too, and only the ERI's page counts it
        laptop.save([person(71, recipients=["services"])], [case_id])
        assert outgoing.due_withdrawals(cr.engine, "pani") == {}
        assert list(outgoing.due_withdrawals(cr.engine, "eri")) == ["pa_uia"]
        (notice,) = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="user:sup.eri", institution="eri")
        assert notice.institution == "eri"


def test_received_records_only_for_the_institution_they_were_sent_to(pair):
    cr, pa = pair
    add_user(pa.engine, pa.settings, "sup.uia", PASSWORD, "supervisor", "uia", actor="test")
    add_user(pa.engine, pa.settings, "sup.senniaf", PASSWORD, "supervisor", "senniaf", actor="test")
    case_id, = cr.laptop().save([person(72)])
    data = referral(cr, [case_id])
    with pytest.raises(NotYourInstitution):  # a package for the UIA is not the SENNIAF's to import
        incoming.import_package(pa.engine, pa.keystore, data, actor="user:sup.senniaf", institution="senniaf")
    assert pa.count("exchange_received") == 0
    incoming.import_package(pa.engine, pa.keystore, data, actor="user:sup.uia", institution="uia")
    (rec,) = incoming.list_received_cases(pa.engine, institution="uia")
    assert incoming.list_received_cases(pa.engine, institution="senniaf") == []
    with serving(pa) as url:
        senniaf = signed_in(url, "sup.senniaf")
        octet = {"Content-Type": "application/octet-stream"}
        inspect = senniaf.post("/exchange/received/inspect", content=data, headers=octet).json()
        assert inspect["ok"] is False and "solo sus supervisores" in inspect["message"]
        page = senniaf.get("/exchange/received")
        assert page.status_code == 200 and case_id not in page.text
        opened = senniaf.get(f"/exchange/received/{rec['id']}")
        assert opened.status_code == 404 and "FICTICIA" not in opened.text
        uia = signed_in(url, "sup.uia")
        assert "María72 FICTICIA" in uia.get(f"/exchange/received/{rec['id']}").text
    assert pa.audit_actions().count("exchange_opened") == 1  # the refused attempt opened nothing
