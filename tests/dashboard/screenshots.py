"""Screenshots of every dashboard view in Spanish and English, for docs/screenshots/.

    .venv/bin/python -m tests.dashboard.screenshots [OUT_DIR] [CASES]

A throwaway SQLite server filled with fictional cases (intake_app.demo), a real uvicorn on
loopback, headless Chromium with no outside network. Every person is fictional.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")


def main(argv: list[str]) -> None:
    from intake_app.demo import fictional_intakes
    from intake_app.server.app import create_app
    from intake_app.server.auth import add_user
    from intake_app.server.dashboard.views import VIEWS
    from intake_app.server.db import make_engine, transaction
    from intake_app.server.ingest import write_facts
    from intake_app.server.setup import init_server

    from .conftest import FAST_KDF, PASSWORD
    from .live import chromium, serve, sign_in

    out = Path(argv[0]) if argv else Path("docs/screenshots")
    n = int(argv[1]) if len(argv) > 1 else 8000
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dash-shots-"))
    settings, keystore = init_server(tmp / "home", db_url=None, passphrase="frase ficticia de demo",
                                     admin_username="admin", admin_password="clave-admin-ficticia-1", kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    heads = [{"case_id": f"demo-{i:07d}", "revision_id": uuid.uuid4().hex, "codebook_version": "1.0", "content": c}
             for i, c in enumerate(fictional_intakes(n, seed=2026, today=date(2026, 11, 20)))]
    with transaction(engine) as conn:
        write_facts(conn, heads, datetime.now(timezone.utc))
    add_user(engine, settings, "analista-demo", PASSWORD, "analyst")
    with serve(create_app(settings, keystore, engine)) as base:
        driver = chromium(tmp / "profile", width=1400, height=900)
        try:
            sign_in(driver, base, "analista-demo", PASSWORD)
            time.sleep(0.5)
            for lang in ("es", "en"):
                for view in VIEWS:
                    path = "" if view == "overview" else view
                    query = "?lang=en" if lang == "en" else ""
                    driver.set_window_size(1400, 900)
                    driver.get(f"{base}/dashboard/{path}{query}")
                    deadline = time.monotonic() + 20
                    while driver.execute_script("return document.body.getAttribute('data-draws')") != "1":
                        if time.monotonic() > deadline:
                            raise RuntimeError(view)
                        time.sleep(0.05)
                    height = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(1400, min(max(height + 20, 700), 4000))
                    time.sleep(0.4)  # plotly's responsive relayout after the resize
                    driver.save_screenshot(str(out / f"dashboard-{view}-{lang}.png"))
            driver.set_window_size(1400, 1500)
            driver.get(f"{base}/dashboard/nationality?country=PA&from=2026-Q3&to=2026-Q4")
            time.sleep(1.0)
            driver.save_screenshot(str(out / "dashboard-suppressed-es.png"))
            driver.set_window_size(1400, 800)
            driver.get(f"{base}/dashboard/sex?country=PA&sex=girl&age=0-8")
            time.sleep(0.5)
            driver.save_screenshot(str(out / "dashboard-too-few-es.png"))
            driver.set_window_size(1400, 900)
            driver.get(f"{base}/dashboard/accreditation?country=PA&from=2026-Q4&to=2026-Q4")
            time.sleep(1.0)
            driver.save_screenshot(str(out / "dashboard-median-hidden-es.png"))
        finally:
            driver.quit()
    engine.dispose()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
