"""``server.json``'s whole-number settings, hand-edited: each must be a JSON whole number (not
``"30"``, not ``1.5``, not ``true``) within its range (config.LIMITS), or every command that
reads the settings (``serve`` at its start) stops, naming the setting and its range and never
the value written. Before, such a value failed deep in a request (a 500) or quietly weakened
the server (``lockout_failures`` 0, ``min_password_length`` 1). No database is needed: the
settings are read before the database is opened."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from intake_app import i18n
from intake_app.server.config import LIMITS, Settings, SettingsInvalid, load_settings, sqlite_url

from .test_cli_words import run

# a value pasted into the file by mistake: it must never be shown back
PASTED = "Ficticia Prueba 1234"


def _home(tmp_path, **values):
    """A server home holding only ``server.json``, as ``init`` writes it, with ``values`` set."""
    home = tmp_path / "srv"
    Settings(home=home, db_url=sqlite_url(home)).save()
    path = home / "server.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **values}), encoding="utf-8")
    return home


def _refused(home) -> SettingsInvalid:
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(home)
    return caught.value


def test_every_whole_number_setting_has_a_range_holding_its_default():
    whole = {f.name for f in fields(Settings) if f.type == "int"}
    assert set(LIMITS) == whole
    for name, (low, high) in LIMITS.items():
        assert low <= getattr(Settings, name) <= high, name
    assert LIMITS["min_password_length"][0] >= 8 and LIMITS["lockout_failures"][0] >= 1


def _wrong_values(low: int, high: int) -> list:
    return [str(low), f"{low}", PASTED, float(low), low + 0.5, True, False, None, [low], {"v": low},
            low - 1, -1, high + 1, 10**30, -(10**30)]


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_wrong_kind_of_value_is_refused_naming_the_setting(tmp_path, name):
    low, high = LIMITS[name]
    for wrong in _wrong_values(low, high):
        home = _home(tmp_path, **{name: wrong})
        err = _refused(home)
        assert err.params == {"file": str(home / "server.json"), "settings": [name], "allowed": [[low, high]]}, wrong
        worded = i18n.describe_error(err, "es")
        assert f"{name} ({low}–{high})" in worded and PASTED not in worded and PASTED not in str(err), wrong


def test_zero_only_where_it_means_something():
    """0 turns the disk check off, and lets no laptop enroll online (only by USB stick); a lease,
    a session, a lockout or a password of length 0 is no setting."""
    assert {name for name, (low, _) in LIMITS.items() if low <= 0} == {"min_free_disk_mb", "max_pending_enrollments"}
    assert LIMITS["max_upload_bytes"][0] == LIMITS["max_payload_bytes"][0] == 1024 * 1024


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_values_in_range_load(tmp_path, name):
    low, high = LIMITS[name]
    for good in (low, high, getattr(Settings, name)):
        settings = load_settings(_home(tmp_path, **{name: good}))
        assert getattr(settings, name) == good and type(getattr(settings, name)) is int


def test_every_bound_at_once_and_unknown_keys_load(tmp_path):
    lows = {name: low for name, (low, _) in LIMITS.items()}
    assert {name: getattr(load_settings(_home(tmp_path, **lows)), name) for name in LIMITS} == lows
    highs = {name: high for name, (_, high) in LIMITS.items()}
    settings = load_settings(_home(tmp_path, **highs, future_setting="ficticio", another=[1, 2]))
    assert {name: getattr(settings, name) for name in LIMITS} == highs
    assert not hasattr(settings, "future_setting")
    # the time arithmetic at the highest values stays far from overflowing
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    assert now + timedelta(days=settings.lease_days) + timedelta(hours=settings.session_max_hours) \
        + timedelta(minutes=settings.lockout_minutes + settings.session_idle_minutes) > now


def test_settings_left_out_keep_their_defaults(tmp_path):
    home = _home(tmp_path)
    data = json.loads((home / "server.json").read_text())
    (home / "server.json").write_text(json.dumps({"db_url": data["db_url"]}), encoding="utf-8")
    settings = load_settings(home)
    assert all(getattr(settings, name) == getattr(Settings, name) for name in LIMITS)


def test_several_wrong_settings_are_all_named_at_once(tmp_path):
    home = _home(tmp_path, lockout_failures=0, lease_days="30", min_password_length=1, session_idle_minutes=30)
    err = _refused(home)
    assert err.params["settings"] == ["lease_days", "lockout_failures", "min_password_length"]
    assert err.params["allowed"] == [list(LIMITS[n]) for n in err.params["settings"]]
    assert i18n.describe_error(err, "en").split(": ", 1)[1].startswith(
        "lease_days (1–3650), lockout_failures (1–100), min_password_length (8–1024).")


def _said(err: str) -> str:
    """The refusal's line (a test run may log a warning of its own before it)."""
    return next(line for line in err.splitlines() if line.startswith("Error:"))


@pytest.mark.parametrize("command", [("serve",), ("user", "list"), ("device", "list"), ("migrate",)])
def test_the_command_line_says_it_in_spanish_or_english_and_stops(tmp_path, command):
    home = _home(tmp_path, lockout_failures=0, max_upload_bytes=PASTED)
    code, out, err = run("--home", home, *command)
    assert code == 2 and out == ""
    assert _said(err).startswith(f"Error: {home / 'server.json'} tiene ajustes con un valor no válido: "
                          f"max_upload_bytes (1048576–1073741824), lockout_failures (1–100). "
                          f"Cada uno debe ser un número entero"), err
    assert "el servidor no se inicia" in err
    assert "Traceback" not in err and PASTED not in err and "not valid" not in err
    code, out, err = run("--lang", "en", "--home", home, *command)
    assert code == 2 and out == ""
    assert _said(err).startswith(f"Error: {home / 'server.json'} has settings with a value that is not valid: "
                          f"max_upload_bytes (1048576–1073741824), lockout_failures (1–100). "
                          f"Each must be a whole number"), err
    assert "Traceback" not in err and PASTED not in err and "no válido" not in err


def test_serve_stops_before_it_asks_for_anything_or_announces(tmp_path):
    home = _home(tmp_path, session_max_hours=1.5)
    code, out, err = run("--home", home, "serve", "--port", "1", input="frase ficticia\n")
    assert code == 2 and out == "" and "session_max_hours (1–168)" in err
    assert "frase de paso" not in err.lower()


@pytest.mark.parametrize("text, line", [('{"lease_days": 30,\n}', 2), ('{"lease_days": 3', 1), ('["Ficticia Prueba 1234"]', 1),
                                        ("", 1)])
def test_a_file_that_is_no_json_object_is_refused_in_words(tmp_path, text, line):
    """A hand edit that breaks the JSON itself (a comma left behind, a file cut short, a
    list) was an "internal error": now it is said, with where reading stopped, never the text."""
    home = _home(tmp_path)
    (home / "server.json").write_text(text, encoding="utf-8")
    code, out, err = run("--home", home, "user", "list")
    assert code == 2 and out == ""
    said = _said(err)
    assert said.startswith(f"Error: {home / 'server.json'} no se puede leer como ajustes del servidor (JSON), "
                           f"línea {line}, columna "), err
    assert "Traceback" not in err and PASTED not in err
    code, out, err = run("--lang", "en", "--home", home, "serve", "--port", "1", input="frase ficticia\n")
    assert code == 2 and _said(err).startswith(f"Error: {home / 'server.json'} cannot be read as the server's")


def test_a_file_that_is_not_utf8_is_refused_in_words(tmp_path):
    home = _home(tmp_path)
    (home / "server.json").write_bytes(b'{"lease_days": "\xff"}')
    code, out, err = run("--home", home, "user", "list")
    assert code == 2 and "no se puede leer como ajustes del servidor" in err and "Traceback" not in err
