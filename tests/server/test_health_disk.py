"""GET /api/v1/health says "degraded" (503, reason ``disk_low``) when the disk where the server
writes (its home, a SQLite database's folder) is nearly full, so monitoring goes red before
ingest fails; no path and no figure in the answer; the operator's log says so once, by name.
On PostgreSQL only the home is watched (the database's disk is on its host). The disk reading
is faked in the module; one real server on 127.0.0.1 answers 200 as it is."""

from __future__ import annotations

import logging
import shutil
from collections import namedtuple
from dataclasses import replace

import httpx
import pytest

from intake_app.server import api_device

from .live import LiveServer

Usage = namedtuple("Usage", "total used free")
MIB = 1024 * 1024


def _fake_disk(monkeypatch, free_of, fresh: bool = True):
    """``shutil.disk_usage`` as the module calls it: ``free_of(folder)`` bytes free; ``fresh``:
    nothing found low before (another test's finding forgotten)."""
    monkeypatch.setattr(api_device.shutil, "disk_usage", lambda folder: Usage(10**12, 0, free_of(str(folder))))
    if fresh:
        monkeypatch.setattr(api_device, "_low_seen", set())


def test_healthy_with_room(srv, monkeypatch):
    _fake_disk(monkeypatch, lambda folder: 50 * 1024 * MIB)
    r = srv.client().get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_a_nearly_full_disk_is_degraded_without_a_path(srv, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="intake_app.server.api_device")
    _fake_disk(monkeypatch, lambda folder: 200 * MIB)  # below the default 1024 MiB
    client = srv.client()
    for _ in range(3):
        r = client.get("/api/v1/health")
        assert r.status_code == 503
        assert r.json() == {"status": "degraded", "reason": "disk_low"}
    assert str(srv.home) not in r.text and "200" not in r.text
    said = [rec.getMessage() for rec in caplog.records if "disk" in rec.getMessage()]
    assert len(said) == (2 if srv.kind == "sqlite" else 1), said  # once per folder, not once per request
    assert all(str(srv.home) not in line and "sqlite3" not in line for line in said)
    assert "poco espacio libre en disco" in said[0] and "low free disk space" in said[0]
    # room again: healthy, and said once
    _fake_disk(monkeypatch, lambda folder: 50 * 1024 * MIB, fresh=False)
    assert client.get("/api/v1/health").status_code == 200
    assert any("again" in rec.getMessage() for rec in caplog.records)


def test_the_sqlite_databases_own_folder_is_watched(tmp_path, srv, monkeypatch):
    if srv.kind != "sqlite":
        pytest.skip("a SQLite database's folder")
    elsewhere = tmp_path / "dbdisk"
    elsewhere.mkdir()
    url = f"sqlite:///{elsewhere / 'server.sqlite3'}"
    settings = replace(srv.settings, db_url=url)
    assert settings.disk_folders() == {"home": srv.home, "database": elsewhere}
    _fake_disk(monkeypatch, lambda folder: 10 * MIB if folder == str(elsewhere) else 50 * 1024 * MIB)
    assert api_device.low_disk(settings) == ["database"]
    assert api_device.low_disk(srv.settings) == []  # its own database beside the home: room


def test_postgresql_watches_the_home_only(srv):
    if srv.kind != "postgresql":
        assert set(srv.settings.disk_folders()) == {"home", "database"}
        return
    # the database's disk is on its own host: health cannot see it
    assert srv.settings.disk_folders() == {"home": srv.home}


def test_the_threshold_is_a_setting(srv, monkeypatch):
    _fake_disk(monkeypatch, lambda folder: 200 * MIB)
    assert api_device.low_disk(replace(srv.settings, min_free_disk_mb=100)) == []
    assert api_device.low_disk(replace(srv.settings, min_free_disk_mb=0)) == []  # 0: not checked
    assert api_device.low_disk(replace(srv.settings, min_free_disk_mb=300)) != []


def test_the_setting_is_read_from_server_json(srv):
    import json

    from intake_app.server.config import load_settings

    path = srv.home / "server.json"
    data = json.loads(path.read_text())
    assert data["min_free_disk_mb"] == 1024  # init writes the default, for the operator to find
    path.write_text(json.dumps({**data, "min_free_disk_mb": 4096}))
    assert load_settings(srv.home, srv.db_url).min_free_disk_mb == 4096


def test_a_threshold_that_is_no_whole_number_stops_the_start(srv, caplog):
    """``"1024"`` written by hand (a string), -1, 1.5, true, null or more than 1 TiB: the settings
    are not read (it was a 500 from health, then a quiet fallback to the default), naming the
    setting and its range, as every whole-number setting in server.json (config.LIMITS)."""
    import json

    from intake_app.server.config import SettingsInvalid, load_settings

    path = srv.home / "server.json"
    data = json.loads(path.read_text())
    for wrong in ("1024", -1, 1.5, True, None, 1024 * 1024 + 1):
        path.write_text(json.dumps({**data, "min_free_disk_mb": wrong}))
        with pytest.raises(SettingsInvalid) as caught:
            load_settings(srv.home, srv.db_url)
        assert caught.value.params["settings"] == ["min_free_disk_mb"], wrong
        assert caught.value.params["allowed"] == [[0, 1024 * 1024]], wrong
    caplog.set_level(logging.WARNING, logger="intake_app.server.config")
    path.write_text(json.dumps({**data, "min_free_disk_mb": 0}))  # 0 is a setting: not checked
    assert load_settings(srv.home, srv.db_url).min_free_disk_mb == 0 and not caplog.records


def test_a_real_server_is_healthy_on_a_disk_with_room(srv):
    if srv.kind != "sqlite":
        pytest.skip("one real server is enough")
    free = shutil.disk_usage(srv.home).free
    if free < 2 * srv.settings.min_free_disk_mb * MIB:
        pytest.skip("this machine's disk is itself nearly full")
    live = LiveServer(srv)
    try:
        r = httpx.get(live.url + "/api/v1/health", timeout=5)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
    finally:
        live.stop()
