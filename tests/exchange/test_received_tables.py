"""A received aggregate package can be read (review M3): the received list links to its
tables, the page shows them as they came (suppressed cells as sent), Spanish first, only to
the supervisors the received pages are for, every view audited; ``exchange received
--tables ID`` prints the same in the terminal. The captions of the received lists keep
their note on a line of its own (L7). Real servers (the page also in headless Chromium).
Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from intake_app.server.auth import add_user
from intake_app.server.exchange import incoming, outgoing
from tests.dashboard.live import CHROMEDRIVER, CHROMIUM

from .conftest import PASSWORD, person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_page_words import client_of
from .test_refusals import referral


def quarter(d: str) -> str:
    return f"{d[:4]}-Q{(int(d[5:7]) - 1) // 3 + 1}"


def aggregate_received(cr, pa) -> str:
    """30 fictional persons in one closed quarter, sent as an aggregate package and imported."""
    day = date.today() - timedelta(days=120)
    day = date(day.year, (day.month - 1) // 3 * 3 + 1, 10)  # the middle of a closed quarter
    contents = [person(n, gender="male" if n % 3 else "female", record_date=(day + timedelta(days=n)).isoformat())
                for n in range(30)]
    cr.laptop().save(contents)
    pkg = outgoing.prepare_aggregate(cr.engine, "pa_uia", quarter(day.isoformat()), actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    data = outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    return incoming.import_package(pa.engine, pa.keystore, data, actor="operator").package_id


def test_received_tables_page_and_its_audit(pair):
    cr, pa = pair
    package_id = aggregate_received(cr, pa)
    ref_id = incoming.import_package(pa.engine, pa.keystore, referral(cr, cr.laptop().save([person(90)])),
                                     actor="operator").package_id
    uno = client_of(pa)
    listing = uno.get("/exchange/received").text
    assert f'href="/exchange/received/pkg/{package_id}"' in listing
    assert f'aria-label="Ver las cifras del paquete {package_id}"' in listing  # each link named by its package
    assert f"/exchange/received/pkg/{ref_id}" not in listing  # a referral has records, not tables
    page = uno.get(f"/exchange/received/pkg/{package_id}")
    assert page.status_code == 200
    tables = incoming.received_tables(pa.engine, package_id)
    block = tables["quarters"][0]
    assert not block["too_few"] and f"Personas en el trimestre: {block['persons']}" in page.text
    first = block["views"]["sex"][0]
    assert first["title"] in page.text and first["rows"][0]["label"] in page.text
    assert "Mujeres, hombres, niñas y niños" in page.text  # the dashboard's name of the view
    cells = {c for v in block["views"].values() for tb in v for row in tb["rows"] for c in row["cells"]}
    if "<11" in cells:  # a suppressed cell is shown as it came, explained on hover
        assert '<abbr title="Menos de 11 personas' in page.text
    en = uno.get(f"/exchange/received/pkg/{package_id}?lang=en").text
    assert "Persons in the quarter" in en and "Aggregate figures received" in en
    assert [p for p in audit_params(pa, "exchange_tables_opened")] == [{"sender": "cr_eri"}] * 2

    for typed in (ref_id, "xp-" + "0" * 32):  # a referral, none such: a missing package, audited
        r = uno.get(f"/exchange/received/pkg/{typed}")
        assert r.status_code == 404 and "No existe el paquete" in r.text
    r = uno.get("/exchange/received/pkg/" + "x" * 60)
    assert r.status_code == 404 and "x" * 60 not in r.text
    refused = audit_params(pa, "access_refused")
    assert [(p["reason"], p["attempt"]) for p in refused] == [("not_found", "received_tables_view")] * 2

    # a supervisor of another institution on the same server: as if it did not exist
    add_user(pa.engine, pa.settings, "sup.senniaf", PASSWORD, "supervisor", "senniaf", actor="test")
    other = client_of(pa, "sup.senniaf")
    r = other.get(f"/exchange/received/pkg/{package_id}")
    assert r.status_code == 404 and first["title"] not in r.text
    assert audit_params(pa, "access_refused")[-1]["reason"] == "other_institution"
    assert client_of(pa, "analista").get(f"/exchange/received/pkg/{package_id}").status_code == 403


def test_received_tables_in_the_terminal(pair, files, capsys):  # noqa: F811
    cr, pa = pair
    package_id = aggregate_received(cr, pa)
    code, out = cli(capsys, files, pa, "exchange", "received", "--tables", package_id)
    assert code == 0, out
    block = incoming.received_tables(pa.engine, package_id)["quarters"][0]
    table = block["views"]["sex"][0]
    row = table["rows"][0]
    assert f"Paquete {package_id}: cifras agregadas de ERI" in out
    assert f"{block['persons']} personas" in out and "\t".join([row["label"]] + row["cells"]) in out
    assert audit_params(pa, "exchange_tables_opened") == [{"sender": "cr_eri"}]
    code, out = cli(capsys, files, pa, "exchange", "received", "--tables", "xp-" + "0" * 32, lang="en")
    assert code == 2 and "does not exist" in out, out


browser = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                             reason="Debian chromium and chromium-driver are needed")


@browser
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_pages_in_chromium(pair, tmp_path, lang):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    from intake_app.i18n import t
    from tests.dashboard.live import chromium

    from .test_import_page import sign_in
    from .test_pages import serving

    cr, pa = pair
    package_id = aggregate_received(cr, pa)
    incoming.import_package(pa.engine, pa.keystore, referral(cr, cr.laptop().save([person(91)])), actor="operator")
    record_id = incoming.list_received_cases(pa.engine)[0]["id"]
    shots = tmp_path / "shots"
    shots.mkdir()
    with serving(pa) as url:
        driver = chromium(tmp_path / "profile", width=1366, height=900)
        try:
            sign_in(driver, url, lang)
            q = "?lang=en" if lang == "en" else ""
            for path, name, key in ((f"/exchange/received{q}", "received", "exchange.page.received_records"),
                                    (f"/exchange/received/{record_id}{q}", "record", "exchange.page.record_fields")):
                driver.get(url + path)
                title, = [e for e in driver.find_elements(By.CSS_SELECTOR, "caption, .table-title")
                          if e.text.startswith(t(key, lang))]
                note = driver.find_element(By.CSS_SELECTOR, ".block .note")
                # the note on a line of its own, never run into the title ("Datos recibidosSolo …")
                assert note.location["y"] >= title.location["y"] + title.size["height"] - 1, name
                driver.save_screenshot(str(shots / f"{name}-{lang}.png"))
            driver.get(f"{url}/exchange/received{q}")  # from the received list, by its link
            driver.find_element(By.CSS_SELECTOR, f'a[href^="/exchange/received/pkg/{package_id}"]').click()
            body = driver.find_element(By.TAG_NAME, "body").text
            assert ("Cifras agregadas recibidas" if lang == "es" else "Aggregate figures received") in body
            assert driver.find_elements(By.CSS_SELECTOR, "table td.num"), "no figures shown"
            wide = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
            assert not wide, "the tables page scrolls sideways"
            driver.save_screenshot(str(shots / f"tables-{lang}.png"))
        finally:
            driver.quit()
