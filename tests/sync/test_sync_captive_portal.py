"""A Wi-Fi that asks to sign in answers in the server's place: a 200 HTML page to the upload,
a 302 to its portal. Nothing is taken as a receipt, the officer reads that the network
answered with a web page (not the USB stick's words, not "that address is no server"), and
the background sync retries with its network backoff, not at the 5-minute interval. The real
server on 127.0.0.1 behind a forging proxy. FICTIONAL data only."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.sync import DirectVaultCall, SyncService, push
from intake_app.sync.errors import NetworkWebPage, ServerUnreachable

from .test_sync_forged_403 import proxied  # noqa: F401 (the same enrolled laptop behind the proxy)

PAGE = b"<!DOCTYPE html><html><body><h1>Wi-Fi</h1><form>Acepte las condiciones</form></body></html>"
HTML_200 = (200, "text/html; charset=utf-8", PAGE)
REDIRECT = (302, "text/html", b"", {"Location": "http://portal.example.invalid/login"})


@pytest.mark.parametrize("forged, when", [(HTML_200, "POST"), (REDIRECT, "POST"), (REDIRECT, "GET"),
                                          (HTML_200, "GET"), ((511, "text/html", PAGE), "GET")])
def test_a_portal_page_is_a_network_trouble_not_a_receipt(proxied, forged, when):
    srv, vault, proxy = proxied
    proxy.forge = lambda method, path: forged if method == when else None
    with pytest.raises(NetworkWebPage) as exc:
        push(vault, proxy.url, sleep=lambda s: None)
    assert isinstance(exc.value, ServerUnreachable)
    assert vault.conn.execute("SELECT count(*) FROM sync_receipts").fetchone()[0] == 0
    # nothing lost: once signed in, the same bundle goes
    assert push(vault, srv.url).delivered == [1]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_portal_is_worded_for_the_officer(lang):
    text = i18n.describe_error(NetworkWebPage(status=302), lang)
    assert ("página web" if lang == "es" else "web page") in text
    assert ("Wi-Fi" in text) and ("Nada se perdió" if lang == "es" else "Nothing was lost") in text
    assert "memoria" not in text.lower() and "stick" not in text.lower()
    assert "302" not in text


def test_the_service_retries_a_portal_with_its_network_backoff(proxied):
    from .test_online import Recorder

    srv, vault, proxy = proxied
    proxy.forge = lambda method, path: HTML_200 if method == "POST" else None
    rec = Recorder()
    svc = SyncService(DirectVaultCall(vault), proxy.url, on_status=rec.on_status, on_error=rec.on_error,
                      interval=3600, backoff_base=0.2, backoff_max=0.2)
    svc.start()
    try:
        rec.wait_for(lambda s: sum(st == "offline" for st, _ in s) >= 2)  # retried within the backoff
        offline = [info for st, info in rec.states if st == "offline"]
        assert offline[0]["retry_in"] <= 0.2 and offline[0]["reason"] == "web_page"
        assert not any(st == "error" for st, _ in rec.states)
        assert rec.errors and all(isinstance(e, NetworkWebPage) for e in rec.errors)
        proxy.forge = lambda method, path: None  # signed in to the Wi-Fi
        rec.wait_for(lambda s: s[-1][0] == "idle")
    finally:
        svc.stop()
    assert {r.sync_state for r in vault.list_cases()} == {"delivered"}
