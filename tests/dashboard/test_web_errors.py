"""What a person meets when a dashboard address is wrong (web review findings 2, 6, 8, 12):
a period longer than the exchange's cap, a CSV link with a bad filter or table, an auditor
signed in, a post from another country than the one chosen. Always a worded page, Spanish
first (English with ``lang=en``), never raw JSON, never a page that blows up. Every person
is fictional (DEMO)."""

from __future__ import annotations

import html
import re
import time

from sqlalchemy import text

from intake_app.server.dashboard import filters
from intake_app.server.exchange import aggregate

from .conftest import person
from .data import known


def options(page: str, select_id: str) -> int:
    block = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return block.count("<option")


def views_audited(dash) -> int:
    with dash.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'dashboard_view'")).scalar_one()


def test_the_period_is_capped_like_the_exchange(dash):
    """from=0001-Q1&to=9999-Q4 took 8 s and 11.7 MB (80,042 <option>s); now a short page."""
    assert filters.MAX_QUARTERS is aggregate.MAX_QUARTERS == 40  # one limit, not two
    dash.load(known())
    client = dash.client("analyst")
    for query, param in (("from=1900-Q1&to=2999-Q4", "to"), ("from=2000-Q1", "from"), ("from=2016-Q4&to=2026-Q4", "to")):
        start = time.monotonic()
        r = client.get(f"/dashboard/quarters?{query}")
        assert time.monotonic() - start < 3, query
        assert r.status_code == 400, query
        assert "text/html" in r.headers["content-type"] and len(r.content) < 20_000
        assert "demasiado largo" in r.text and "40\u00a0trimestres (10\u00a0años)" in r.text and "<option" not in r.text
        r = client.get(f"/dashboard/quarters?{query}&lang=en")
        assert r.status_code == 400 and "too long" in r.text and "40\u00a0quarters (10\u00a0years)" in r.text
        r = client.get(f"/dashboard/quarters/quarters.csv?{query}")  # the CSV too
        assert r.status_code == 400 and "demasiado largo" in r.text and "content-disposition" not in r.headers
    r = client.get("/dashboard/quarters?from=2016-Q4&to=2026-Q3")  # exactly 40: shown
    assert r.status_code == 200 and "T4\u00a02016" in r.text
    assert options(r.text, "f-from") <= 1 + 40 + 1  # "default", the period, the quarter with data


def test_a_year_out_of_range_is_a_worded_refusal_not_a_500(dash):
    """?to=0000-Q1 put the default period's start before year 0 ("-1-Q2") and every view
    and CSV answered 500. Years run from 1900 to 2999."""
    dash.load(known())
    client = dash.client("analyst")
    for query, param in (("to=0000-Q1", "to"), ("from=0001-Q1", "from"), ("to=9999-Q4", "to")):
        for path in ("/dashboard/sex", "/dashboard/sex/gender.csv"):
            r = client.get(f"{path}?{query}")
            assert r.status_code == 400 and f"«{param}»" in r.text, (path, query, r.status_code)


def test_the_quarter_lists_stay_short_however_long_the_data(dash):
    """Data in 90 quarters: the period lists offer the latest 80 and the chosen period."""
    cases = []
    for i in range(90):
        year, q = 2004 + i // 4, i % 4 + 1
        cases.append(person(day=f"{year}-{3 * q - 1:02d}-10"))
    dash.load(cases)
    client = dash.client("analyst")
    r = client.get("/dashboard/sex")
    assert r.status_code == 200
    assert options(r.text, "f-from") == 1 + 80 and options(r.text, "f-to") == 1 + 80
    assert 'value="2004-Q1"' not in r.text and 'value="2026-Q2"' in r.text
    r = client.get("/dashboard/sex?from=2004-Q1&to=2004-Q4")  # an old period is still offered when chosen
    assert r.status_code == 200 and 'value="2004-Q1" selected' in r.text


def test_csv_errors_are_worded_pages_not_json(dash):
    dash.load(known())
    client = dash.client("analyst")
    cases = (("/dashboard/sex/nope.csv", 404, "La vista «sex» no tiene esa tabla", "has no such table"),
             ("/dashboard/sex/sex_age_group.csv?country=XX", 400, "«country»", "“country”"),
             ("/dashboard/sex/sex_age_group.csv?from=2026-Q3&to=2026-Q1", 400, "termina antes de empezar",
              "ends before it starts"),
             ("/dashboard/nope/x.csv", 404, "no tiene una vista «nope»", "no view “nope”"))
    for path, status, spanish, english in cases:
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "content-disposition" not in r.headers and '"code"' not in r.text
        assert spanish in r.text and "<html lang=\"es\">" in r.text and "No se puede mostrar" in r.text
        r = client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert r.status_code == status and english in html.unescape(r.text) and "<html lang=\"en\">" in r.text, path
    r = client.get("/dashboard/sex/nope.csv?country=PA")  # the way back keeps valid filters
    assert 'href="/dashboard/sex?country=PA"' in r.text and "Volver a «Mujeres, hombres, niñas y niños»" in r.text


def test_auditor_sees_who_is_signed_in_and_can_sign_out(dash):
    dash.load(known())
    client = dash.client("auditor")
    for page in ("/dashboard/", "/dashboard/sex", "/dashboard/sex/sex_age_group.csv"):
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 403
        assert "auditor-demo · auditor(a)" in r.text  # the user and role, as on every page
        assert r.text.count('action="/dashboard/logout"') == 2  # the header's and the page's own button
        assert "Cierre la sesión y entre con una cuenta de analista" in r.text
        assert "Volver al resumen" not in r.text  # no way back to a page that refuses them again
        links = re.findall(r'href="([^"]+)"', r.text)
        links = [h for h in links if h.startswith("/dashboard") and not h.startswith("/dashboard/static/")]
        assert len(links) == 1 and "lang=en" in links[0], links  # the language switch only
    r = client.get("/dashboard/sex?lang=en")
    assert "Sign out" in r.text and "This account cannot see the dashboard" in r.text
    r = client.post("/dashboard/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"


def test_a_post_from_the_other_country_is_said_so(dash):
    dash.load(known())
    client = dash.client("analyst")
    before = views_audited(dash)
    r = client.get("/dashboard/sex?country=CR&post=pa_paso_canoas")
    assert r.status_code == 400 and "no está en el país elegido" in r.text
    assert client.get("/dashboard/sex?country=CR&post=pa_paso_canoas&lang=en").text.count("not in the chosen country")
    assert client.get("/dashboard/sex/gender.csv?country=PA&post=cr_paso_canoas").status_code == 400
    assert views_audited(dash) == before  # nothing was shown, nothing audited as a view
    r = client.get("/dashboard/sex?country=CR&post=cr_paso_canoas")
    assert r.status_code == 200
    # the form offers only the chosen country's posts
    post = r.text.split('id="f-post"', 1)[1].split("</select>", 1)[0]
    assert 'value="pa_paso_canoas" data-country="PA" hidden disabled' in post
    assert 'value="cr_paso_canoas" data-country="CR" selected' in post
