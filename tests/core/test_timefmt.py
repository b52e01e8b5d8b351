"""One way to write a time for a person: the laptop's local time with its offset, the
same on screen and on paper (a laptop at Paso Canoas runs on UTC−06:00)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest

from intake_app.timefmt import local_time, local_time_iso, utc_time_iso


@pytest.fixture
def costa_rica():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/Costa_Rica"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_local_time_with_its_offset(costa_rica):
    moment = datetime(2026, 11, 24, 3, 24, tzinfo=timezone.utc)
    assert local_time(moment) == "23/11/2026 21:24 (UTC−06:00)"
    assert local_time_iso("2026-11-24T03:24:55Z") == "23/11/2026 21:24 (UTC−06:00)"
    assert local_time_iso("2026-11-24T03:24:55+00:00") == "23/11/2026 21:24 (UTC−06:00)"
    assert local_time_iso("no es una hora") == "no es una hora"


def test_server_pages_write_utc(costa_rica):
    assert utc_time_iso("2026-11-24T03:24:55Z") == "24/11/2026 03:24 UTC"
    assert utc_time_iso("2026-11-23T21:24:55-06:00") == "24/11/2026 03:24 UTC"
    assert utc_time_iso("no") == ""
