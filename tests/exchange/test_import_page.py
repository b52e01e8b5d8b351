"""The import page in a real headless Chromium: choosing a package file shows its manifest in
words a supervisor decides on (the sending institution's name, the kind, the purpose, the
fields by their codebook labels), Spanish first, never registry keys or field codes; a
session that ran out while the page was open says so instead of doing nothing. Two real
servers on loopback. All persons are fictional."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD, person
from .test_pages import serving
from .test_refusals import referral
from .test_session_expiry import expire_sessions

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")

CODES = ("given_names", "birth_date", "cr_eri", "pa_uia", "referral", "package_id", "sender:", "purpose:")


def wait_text(driver, element_id: str, timeout: float = 20.0) -> str:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = driver.find_element(By.ID, element_id).text
        if text.strip():
            return text
        time.sleep(0.05)
    raise AssertionError(f"#{element_id} stayed empty")


def sign_in(driver, base: str, lang: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/exchange/login?lang={lang}")
    driver.find_element(By.NAME, "username").send_keys("sup.uno")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "/exchange/login" not in d.current_url)  # the cookie is set


@pytest.mark.parametrize("lang, words", [
    ("es", ("Remitente", "ERI – Equipo de Respuesta Inmediata (CONATT), Costa Rica", "Referencia",
            "Atención y servicios de protección",
            "Nombre(s)", "Fecha de nacimiento", "Campos que trae")),
    ("en", ("Sender", "ERI – Immediate Response Team (CONATT), Costa Rica", "Referral",
            "Assistance and protection services", "Given name(s)",
            "Date of birth", "Fields it carries")),
])
def test_the_manifest_reads_in_words(pair, tmp_path, lang, words):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    cr, pa = pair
    case_id, = cr.laptop().save([person(71)])
    package = tmp_path / "paquete.intake-exchange"
    package.write_bytes(referral(cr, [case_id]))
    with serving(pa) as url:
        driver = chromium(tmp_path / "profile", width=1366, height=768)
        try:
            sign_in(driver, url, lang)
            driver.get(f"{url}/exchange/received?lang={lang}")
            driver.find_element(By.ID, "package-file").send_keys(str(package))
            shown = wait_text(driver, "manifest")
            for word in words:
                assert word in shown, (word, shown)
            for code in CODES:
                assert code not in shown, (code, shown)
            assert driver.find_element(By.ID, "import-button").is_enabled()
            assert pa.count("exchange_received") == 0  # reading the manifest stores nothing

            expire_sessions(pa)  # the session runs out while the page is open
            driver.find_element(By.ID, "import-button").click()
            status = wait_text(driver, "import-status")
            assert ("Su sesión expiró" if lang == "es" else "Your session expired") in status
            assert pa.count("exchange_received") == 0
        finally:
            driver.quit()
