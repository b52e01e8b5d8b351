"""The dashboard's CSV files are written with ordinary spaces: the pages keep their no-break
spaces between a number and its unit ("0 a 7 días", "+23 %", "k = 11"), but a spreadsheet
matching "0 a 7 días" typed with ordinary spaces must find it. Every person is fictional."""

from __future__ import annotations

import csv
import io

from intake_app.server.dashboard import views

from .data import known
from .test_views import build

NO_BREAK = ("\u00a0", "\u202f")


def test_csv_files_have_ordinary_spaces_the_page_keeps_no_break_ones(dash):
    dash.load(known())
    client = dash.client("analyst")
    labelled = 0  # tables whose words on the page hold a no-break space: the CSV must not
    for view in views.VIEWS:
        for tb in build(dash, view).tables:
            shown = [tb.title, tb.row_header] + [r.label for r in tb.rows] + [c for r in tb.rows for c in r.cells]
            labelled += any(nb in str(s) for s in shown for nb in NO_BREAK)
            for lang in ("es", "en"):
                resp = client.get(f"/dashboard/{view}/{tb.id}.csv?lang={lang}")
                assert resp.status_code == 200, (view, tb.id)
                body = resp.content.decode("utf-8-sig")
                assert not any(nb in body for nb in NO_BREAK), (view, tb.id, lang)
                assert "k = 11" in body
    assert labelled  # the check above had something to find

    body = client.get("/dashboard/accreditation/days.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body.split("\r\n\r\n", 1)[1])))
    assert rows[1][0] == "0 a 7 días" and rows[1][-1] == "12"
    page = client.get("/dashboard/accreditation").text  # the page itself keeps its no-break spaces
    assert "0 a 7\u00a0días" in page and "0 a 7 días" not in page
