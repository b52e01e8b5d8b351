"""A session that runs out while a page is open: the next click is never redone behind the
person's back, never lands on the API's JSON. The sign-in page says the session expired;
after signing in again the person is back on the page the action was on, which says the
action was not done. Both sign-in pages (supervision and dashboard) say so. A real server
on loopback; in Chromium where a person clicks. All persons are fictional."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select, text

from intake_app.server.auth import sessions_t

from tests.dashboard.live import CHROMEDRIVER, CHROMIUM, chromium

from .conftest import PASSWORD, person
from .test_case_pages import conflicted
from .test_pages import serving, signed_in


def expire_sessions(srv) -> None:
    """The idle timeout passes for every open session."""
    with srv.engine.begin() as conn:
        past = datetime.now(timezone.utc) - timedelta(minutes=1)
        conn.execute(text("UPDATE sessions SET idle_until = :t"), {"t": past})


def reviewed(srv, case_id: str) -> bool:
    return "case_review" in srv.audit_actions() or srv.count("cases", f"WHERE case_id = '{case_id}' "
                                                                     "AND review_state = 'reviewed'") > 0


def test_an_action_after_expiry_is_not_redone_and_the_person_comes_back_to_its_page(pair):
    cr, _ = pair
    case_id, = cr.laptop().save([person(61)])
    conflict_case, _ = conflicted(cr)
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        assert uno.get(f"/exchange/cases/{case_id}").status_code == 200
        expire_sessions(cr)
        r = uno.post(f"/exchange/cases/{case_id}/review", data={"lang": "es"})
        assert r.status_code == 303 and r.headers["location"].startswith("/exchange/login?")
        nxt = parse_qs(urlparse(r.headers["location"]).query)["next"][0]
        assert nxt == f"/exchange/cases/{case_id}?notice=expired"  # the page, never the POST address
        login = uno.get(r.headers["location"])
        assert login.status_code == 200 and "Su sesión expiró" in login.text
        assert not reviewed(cr, case_id)
        back = uno.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": nxt})
        assert back.status_code == 303 and back.headers["location"] == nxt
        page = uno.get(nxt)
        assert page.status_code == 200 and "la última acción no se hizo" in page.text
        assert "Marcar como revisado" in page.text and not reviewed(cr, case_id)  # nothing was redone

        conflict_id = cr.count("conflicts")
        expire_sessions(cr)
        r = uno.post(f"/exchange/conflicts/{conflict_id}/resolve",
                     data={"lang": "en", "keep": "head", "case_id": conflict_case})
        assert r.status_code == 303 and "lang=en" in r.headers["location"]
        nxt = parse_qs(urlparse(r.headers["location"]).query)["next"][0]
        assert nxt == f"/exchange/conflicts/{conflict_id}?notice=expired"
        assert "Your session expired" in uno.get(r.headers["location"]).text
        back = uno.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": nxt,
                                                 "lang": "en"})
        page = uno.get(back.headers["location"])
        assert page.status_code == 200 and "the last action was not done" in page.text
        assert cr.count("conflicts", "WHERE status = 'open'") == 1 and "conflict_resolve" not in cr.audit_actions()

        for action, target in (("/exchange/prepare", "/exchange/?notice=expired"),
                               ("/exchange/cases/goto", "/exchange/cases?notice=expired"),
                               ("/exchange/verify-print", "/exchange/verify-print?notice=expired")):
            expire_sessions(cr)
            r = uno.post(action, data={"lang": "es"})
            assert parse_qs(urlparse(r.headers["location"]).query)["next"][0] == target, action
            uno.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": target})
            assert "la última acción no se hizo" in uno.get(target).text, target

    with serving(cr) as url:  # a person who never signed in, or still is, is greeted without the notice
        assert "Su sesión expiró" not in httpx.get(url + "/exchange/login").text
        assert "Su sesión expiró" not in signed_in(url, "sup.dos").get("/exchange/login").text


def test_the_dashboard_sign_in_page_says_the_session_expired(pair):
    cr, _ = pair
    with serving(cr) as url:
        client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        r = client.post("/dashboard/login", data={"username": "analista", "password": PASSWORD,
                                                  "next": "/dashboard/"})
        assert r.status_code == 303
        assert "Su sesión expiró" not in client.get("/dashboard/login").text
        expire_sessions(cr)
        r = client.get("/dashboard/")
        assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login")
        assert "Su sesión expiró" in client.get(r.headers["location"]).text
        assert "Your session expired" in client.get("/dashboard/login?lang=en").text


def test_the_sign_in_page_neither_extends_a_valid_session_nor_calls_a_disabled_account_expired(pair):
    cr, _ = pair
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        soon = datetime.now(timezone.utc) + timedelta(minutes=2)  # a page load would slide this one
        with cr.engine.begin() as conn:
            conn.execute(text("UPDATE sessions SET idle_until = :t"), {"t": soon})
        assert "Su sesión expiró" not in uno.get("/exchange/login").text
        with cr.engine.connect() as conn:
            after = conn.execute(select(sessions_t.c.idle_until).where(~sessions_t.c.ended)).scalar_one()
        assert abs((_aware(after) - soon).total_seconds()) < 1  # looking at the sign-in page is not activity
        with cr.engine.begin() as conn:
            conn.execute(text("UPDATE users SET disabled = :d WHERE username = 'sup.uno'"), {"d": True})
        login = uno.get("/exchange/login")
        assert login.status_code == 200 and "Su sesión expiró" not in login.text
        assert uno.get("/exchange/").status_code == 303  # and the account cannot come back in


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


@pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                    reason="Debian chromium and chromium-driver are needed")
def test_in_a_browser_the_click_after_expiry_lands_on_the_case_page(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    cr, _ = pair
    case_id, = cr.laptop().save([person(62)])

    def landed(driver, path: str) -> None:
        WebDriverWait(driver, 20).until(lambda d: urlparse(d.current_url).path == path
                                        and d.execute_script("return document.readyState") == "complete")
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1366, height=768)
        try:
            driver.get(f"{url}/exchange/login")
            driver.find_element(By.NAME, "username").send_keys("sup.uno")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            landed(driver, "/exchange/")
            driver.get(f"{url}/exchange/cases/{case_id}")
            expire_sessions(cr)
            driver.find_element(By.XPATH, "//button[normalize-space()='Marcar como revisado']").click()
            landed(driver, "/exchange/login")
            assert "Su sesión expiró" in driver.find_element(By.ID, "session-expired").text
            driver.find_element(By.NAME, "username").send_keys("sup.uno")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
            landed(driver, f"/exchange/cases/{case_id}")
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "la última acción no se hizo" in body and "method_not_allowed" not in body
            assert driver.find_elements(By.XPATH, "//button[normalize-space()='Marcar como revisado']")
            assert not reviewed(cr, case_id)
        finally:
            driver.quit()
