"""``db move`` and a server still running on the source, even one that writes nothing during
the copy (only audited writes were caught before): a server process of the home leaves
``run/<pid>`` while it runs, and a server connected to a source PostgreSQL database, from
any host, shows in ``pg_stat_activity``. Both are refused before anything is written; a
killed server's leftover does not stop the move. Fictional data only."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from intake_app.server import db_move
from intake_app.server.config import CONFIG_NAME, load_settings
from intake_app.server.keys import KeyStore
from intake_app.server.running import RUN_DIR, running_pids

from .conftest import KEY_PASSPHRASE
from .live import LiveServer
from .test_db_move import pg_target, run, small_server, table_names  # noqa: F401 (pg_target: a fixture)


def live_server(settings) -> LiveServer:
    keys = KeyStore.open(Path(settings.key_path), passphrase=KEY_PASSPHRASE)
    return LiveServer(SimpleNamespace(home=settings.home, settings=settings, keystore=keys))


def test_an_idle_server_of_the_home_is_refused_then_the_move_goes_on(tmp_path, pg_target, capsys):
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    server = live_server(settings)
    try:
        assert running_pids(settings.home) == [server.proc.pid]
        capsys.readouterr()
        assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
        err = capsys.readouterr().err
        assert f"is still running (process id: {server.proc.pid})" in err and "Nothing was copied" in err
        assert f"delete {settings.home / RUN_DIR / str(server.proc.pid)} and" in err  # if it is not the server
        assert table_names(pg_target) == []
        assert (settings.home / CONFIG_NAME).read_bytes() == config
    finally:
        server.stop()
    assert running_pids(settings.home) == []  # a stopped server takes its mark away
    assert not list((settings.home / RUN_DIR).iterdir())
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0


def test_a_killed_servers_leftover_does_not_stop_the_move(tmp_path, pg_target):
    settings = small_server(tmp_path)
    server = live_server(settings)
    server.kill()
    assert (settings.home / RUN_DIR / str(server.proc.pid)).exists()  # no clean-up on SIGKILL
    assert running_pids(settings.home) == []
    assert not (settings.home / RUN_DIR / str(server.proc.pid)).exists()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0


def test_a_server_connected_to_a_postgresql_source_from_elsewhere_is_refused(tmp_path, pg_target):
    settings = small_server(tmp_path)
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0
    moved = load_settings(settings.home)
    server = live_server(moved)  # the core's check alone (no run/ marks read): as from another host
    back = tmp_path / "vuelta.sqlite3"
    try:
        with pytest.raises(db_move.DbMoveSourceInUse) as refused:
            db_move.move_database(moved.db_url, f"sqlite:///{back}")
        assert refused.value.params["connections"] >= 1
        assert not back.exists()
    finally:
        server.stop()
    db_move.move_database(moved.db_url, f"sqlite:///{back}")
    assert back.exists()


def test_a_leftover_whose_id_now_belongs_to_another_process_does_not_count(tmp_path):
    """A killed server's file, after a reboot or in a copied home: its process id may be
    another process's by now (here: process 1, alive since the machine started)."""
    import os

    from intake_app.server.running import mark_running

    home = tmp_path / "srv"
    mark_running(home)  # this process, with its own start time
    mine = home / RUN_DIR / str(os.getpid())
    other = 1
    (home / RUN_DIR / str(other)).write_text(mine.read_text(encoding="ascii").replace(str(os.getpid()), str(other), 1),
                                             encoding="ascii")
    assert running_pids(home) == []  # process 1 lives, but started at another time than written
    assert not (home / RUN_DIR / str(other)).exists()
    (home / RUN_DIR / str(other)).write_text(str(other), encoding="ascii")  # an id alone: alive counts
    assert running_pids(home) == [other]
