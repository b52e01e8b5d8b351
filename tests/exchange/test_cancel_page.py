"""«Anular» (cancel) on the packages page: what ``intake-server exchange cancel`` does, from the
browser. A package not sent yet (prepared or approved) is dropped and its sealed data
erased; the cases stay. Another institution's package is not there; a sent one has no
button and is refused; the browser asks first. Real server on loopback, real Chromium.
All persons are fictional."""

from __future__ import annotations

import shutil

import pytest

from intake_app.server.auth import add_user
from intake_app.server.exchange import outgoing
from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD, person
from .test_import_page import sign_in
from .test_pages import serving, signed_in


def _prepare(cr, n: int, institution: str | None = None):
    case_id, = cr.laptop().save([person(n)])
    return outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno",
                                     institution=institution)


def test_cancel_a_package_not_sent(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    prepared, approved = _prepare(cr, 81), _prepare(cr, 82)
    outgoing.approve(cr.engine, cr.keystore, approved.package_id, approver="user:sup.dos", approver_role="supervisor")
    with serving(cr) as url:
        pani = signed_in(url, "sup.pani")  # another institution: not there for them, nothing changes
        r = pani.post(f"/exchange/packages/{prepared.package_id}/cancel", data={})
        assert r.status_code == 303 and "error=exchange_package_unknown" in r.headers["location"]
        assert outgoing.get_package(cr.engine, prepared.package_id).status == "prepared"

        dos = signed_in(url, "sup.dos")
        page = dos.get("/exchange/").text
        for pkg in (prepared, approved):
            assert f'action="/exchange/packages/{pkg.package_id}/cancel"' in page
        assert f'aria-label="Anular el paquete {prepared.package_id}"' in page
        assert "/exchange/static/exchange.js" in page  # the confirmation
        for pkg in (prepared, approved):
            r = dos.post(f"/exchange/packages/{pkg.package_id}/cancel", data={"lang": "en"})
            assert r.status_code == 303 and "ok=cancelled" in r.headers["location"]
            assert f"Package {pkg.package_id} cancelled" in dos.get(r.headers["location"]).text
            info = outgoing.get_package(cr.engine, pkg.package_id)
            assert info.status == "cancelled"
        assert cr.count("exchange_packages", "WHERE data IS NOT NULL") == 0
        assert cr.audit_actions().count("exchange_cancelled") == 2
        page = dos.get("/exchange/").text
        assert "/cancel" not in page and "Anulado" in page

        again = dos.post(f"/exchange/packages/{prepared.package_id}/cancel", data={})
        assert "error=exchange_package_wrong_state" in again.headers["location"]
        assert cr.audit_actions().count("exchange_cancelled") == 2

        sent = _prepare(cr, 83)  # sent: gone from this server's hands, no button, refused
        outgoing.approve(cr.engine, cr.keystore, sent.package_id, approver="user:sup.dos", approver_role="supervisor")
        assert dos.post(f"/exchange/packages/{sent.package_id}/file", data={}).status_code == 200
        assert f"/exchange/packages/{sent.package_id}/cancel" not in dos.get("/exchange/").text
        r = dos.post(f"/exchange/packages/{sent.package_id}/cancel", data={})
        assert "error=exchange_package_wrong_state" in r.headers["location"]
        assert outgoing.get_package(cr.engine, sent.package_id).status == "sent"


@pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                    reason="Debian chromium and chromium-driver are needed")
def test_the_browser_asks_before_cancelling(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    cr, _ = pair
    pkg = _prepare(cr, 84)
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1366, height=768)
        try:
            sign_in(driver, url, "es")
            driver.get(f"{url}/exchange/?lang=es")
            button = f"form[action='/exchange/packages/{pkg.package_id}/cancel'] button"
            driver.find_element(By.CSS_SELECTOR, button).click()
            alert = WebDriverWait(driver, 20).until(lambda d: d.switch_to.alert)
            assert alert.text.startswith(f"¿Anular el paquete {pkg.package_id}?")
            alert.dismiss()  # no: nothing happens
            assert outgoing.get_package(cr.engine, pkg.package_id).status == "prepared"
            driver.find_element(By.CSS_SELECTOR, button).click()
            WebDriverWait(driver, 20).until(lambda d: d.switch_to.alert).accept()
            WebDriverWait(driver, 20).until(lambda d: "ok=cancelled" in d.current_url)
            assert f"Paquete {pkg.package_id} anulado" in driver.find_element(By.TAG_NAME, "body").text
            assert outgoing.get_package(cr.engine, pkg.package_id).status == "cancelled"
        finally:
            driver.quit()
