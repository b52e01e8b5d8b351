"""The import page words every answer that is not a refusal with a message (review of the
exchange import), in a real headless Chromium against a real server on loopback: a file over
the upload limit (413 from the body limit, a code and no message), the database down (503),
and no answer at all (the server gone); each in the page's language, and the import button
works again after a failed import. Before, the status stayed empty and the button disabled.
All persons are fictional."""

from __future__ import annotations

import dataclasses
import shutil
import time

import pytest
from sqlalchemy.exc import OperationalError

from intake_app.i18n import t
from intake_app.server.app import create_app
from intake_app.server.exchange import incoming
from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium
from tests.loopback import serve

from .conftest import person
from .test_import_page import sign_in, wait_text
from .test_refusals import referral

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are needed")


def _until(check, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_failed_answer_is_worded_and_the_button_works_again(pair, tmp_path, monkeypatch, lang):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    cr, pa = pair
    package = tmp_path / "paquete.intake-exchange"
    package.write_bytes(referral(cr, cr.laptop().save([person(73)])))
    huge = tmp_path / "grande.intake-exchange"
    huge.write_bytes(b"\0" * (2 * 1024 * 1024))
    settings = dataclasses.replace(pa.settings, max_upload_bytes=1024 * 1024)  # 1 MiB instead of 64 MiB
    server = serve(create_app(settings, pa.keystore, pa.engine))
    url = server.__enter__()
    driver = chromium(tmp_path / "profile", width=1366, height=768)
    try:
        sign_in(driver, url, lang)
        driver.get(f"{url}/exchange/received?lang={lang}")
        status = lambda: driver.find_element(By.ID, "import-status").text  # noqa: E731
        button = lambda: driver.find_element(By.ID, "import-button")  # noqa: E731

        driver.find_element(By.ID, "package-file").send_keys(str(huge))  # over the limit: 413, code only
        assert wait_text(driver, "import-status") == t("error.exchange_package_malformed.file_size", lang)
        assert not button().is_enabled()  # nothing to import
        assert driver.find_element(By.ID, "package-file").get_property("value") == ""  # chosen again freely

        driver.find_element(By.ID, "package-file").send_keys(str(package))
        assert _until(lambda: button().is_enabled() and status() == "")

        def down(*args, **kwargs):  # the database stops answering (PostgreSQL restarted, disk full)
            raise OperationalError("SELECT 1", {}, ConnectionError("no answer"))

        monkeypatch.setattr(incoming, "import_package", down)
        button().click()
        assert _until(lambda: status() == t("error.database_unavailable", lang))
        assert _until(lambda: button().is_enabled())  # tried again once the database is back

        server.__exit__(None, None, None)  # the server is gone: the request gets no answer at all
        server = None
        button().click()
        assert _until(lambda: status() == t("exchange.page.import_unreachable", lang))
        assert _until(lambda: button().is_enabled())
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                              driver.find_element(By.ID, "import-status"))
        driver.save_screenshot(str(tmp_path / f"import-unreachable-{lang}.png"))
        assert pa.count("exchange_received") == 0
    finally:
        driver.quit()
        if server is not None:
            server.__exit__(None, None, None)
