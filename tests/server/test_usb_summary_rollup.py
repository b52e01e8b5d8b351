"""The import summary as the office reads it (review of the USB round trip): one statement per
laptop of another deployment or unknown here, totals that count bundles only, missing bundles
as ranges with the rest counted, a roll-up per laptop (refusals first, ``-v`` for a line per
file, progress on standard error), and stray files the laptop's manifest does not list
ignored rather than refused. FICTIONAL data."""

from __future__ import annotations

import sys

import pytest

from intake_app import i18n
from intake_app.server.cli import print_summary
from intake_app.server.usb import ImportSummary

from .test_usb_import import manifest, put
from .test_usb_import_exit3 import cli  # the import command, in Spanish, on the test server
from .test_usb_wrong_server import response_from




@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_laptop_of_another_deployment_or_unknown_gets_one_statement(srv, device_factory, tmp_path, capsys):
    from intake_app.bundle.serverkeys import ServerKeys

    other = device_factory("lap-otra")  # enrolled at another office: its bundles are sealed for that server
    other.accept_response(response_from(ServerKeys.generate(), other.enrollment_request()))
    lost = device_factory("lap-perdida")  # sealed for this server, but not enrolled here
    lost.server = srv.enroll(device_factory("lap-inscrita")).server
    stick = tmp_path / "stick"
    for seq in (1, 2, 3):
        put(stick, other, seq, other.new_bundle(1)[0])
    for seq in (1, 2):
        put(stick, lost, seq, lost.new_bundle(1)[0])
    manifest(stick, other)
    manifest(stick, lost)
    assert cli(srv, tmp_path, stick) == 3
    out = capsys.readouterr().out
    assert "Importación: 0 aceptados, 0 ya recibidos, 5 rechazados." in out  # bundles only, not the manifests
    assert out.count("cifrado para otro servidor") == 1
    assert out.count("Inscriba el equipo") == 1  # the unknown laptop's, once; none beside "no lo apruebe aquí"
    block = out.split(f"Equipo {other.device_id}:")[1].split("\n  Equipo ")[0]
    assert "3 lotes rechazados (00000001.bundle, 00000002.bundle, 00000003.bundle)" in block
    assert "Inscriba" not in block and "manifiesto" not in block
    assert (stick / "intake-receipts" / lost.device_id / "unknown-device.txt").is_file()  # the laptop learns it


def test_missing_bundles_are_ranges_and_the_rest_is_counted(capsys):
    gaps = [1, *range(12, 113), *range(200, 260, 2)]  # 132 missing in 32 runs: 20 shown, 12 more
    i18n.set_language("es")
    print_summary(ImportSummary(gaps={"lap-demo-001": gaps}))
    out = capsys.readouterr().out
    assert "faltan 132 lotes anteriores de este equipo: 1, 12\u2013112, 200, 202," in out
    assert "232, 234 y 12 más." in out and "236" not in out
    i18n.set_language("en")
    try:
        print_summary(ImportSummary(gaps={"lap-demo-001": gaps}))
    finally:
        i18n.set_language("es")
    assert "232, 234 and 12 more." in capsys.readouterr().out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_roll_up_per_laptop_refusals_first_and_a_line_per_file_with_v(srv, device_factory, tmp_path, capsys,
                                                                        monkeypatch):
    a, b = srv.enroll(device_factory("lap-a")), srv.enroll(device_factory("lap-b"))
    stick = tmp_path / "stick"
    for seq in (1, 2, 3):
        put(stick, a, seq, a.new_bundle(2)[0])
    put(stick, b, 1, b.new_bundle(1)[0])
    put(stick, b, 2, b.new_bundle(1)[0][:-5])  # cut short
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal: the progress stays on one line
    assert cli(srv, tmp_path, stick) == 3
    out, err = capsys.readouterr()
    assert "Importación: 4 aceptados, 0 ya recibidos, 1 rechazado." in out
    assert f"Equipo {a.device_id}: 3 lotes aceptados (6 registros, 0 conflictos), 0 ya recibidos, 0 rechazados." in out
    assert out.index(f"Equipo {b.device_id}:") < out.index(f"Equipo {a.device_id}:")  # refusals first
    assert f"rechazado: intake-bundles/{b.device_id}/00000002.bundle: El lote está incompleto" in out
    assert "aceptado: intake-bundles" not in out and len(out.splitlines()) == 5
    assert "\rImportando: 5 de 5 lotes…" in err.replace("\033[K", "")
    assert cli(srv, tmp_path, "-v", stick) == 3
    out = capsys.readouterr().out
    assert f"ya recibido: intake-bundles/{a.device_id}/00000003.bundle" in out


def test_progress_off_a_terminal_is_a_line_every_so_many_bundles(capsys):
    from intake_app.server.usb_stick import progress_printer

    i18n.set_language("es")
    progress = progress_printer(every=2)
    for done in range(1, 6):
        progress(done, 5)
    progress(None, None)
    assert capsys.readouterr().err == "Importando: 2 de 5 lotes…\nImportando: 4 de 5 lotes…\n"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_stray_file_the_manifest_does_not_list_is_ignored_not_refused(srv, device_factory, tmp_path, capsys):
    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0])
    put(stick, a, 2, a.new_bundle(1)[0])
    manifest(stick, a)  # lists 1 and 2
    put(stick, a, 3, a.new_bundle(1)[0])  # a real bundle it does not list: still stored
    put(stick, a, 7, a.new_bundle(1)[0][:200])  # cut short, not listed
    put(stick, a, 9, b"")  # empty, not listed
    for _ in range(2):  # every import: not an error, and the same words
        assert cli(srv, tmp_path, stick) == 0
        out = capsys.readouterr().out
        assert "0 rechazados." in out and "rechazado:" not in out
        assert "2 archivos ignorados (00000007.bundle, 00000009.bundle): el manifiesto firmado del equipo no los " \
               "incluye" in out
    assert srv.count("bundles") == 3
    (stick / "intake-bundles" / a.device_id / "manifest.msgpack").unlink()  # no manifest: nothing to tell them by
    assert cli(srv, tmp_path, stick) == 3
    out = capsys.readouterr().out
    assert "ignorado" not in out and "0 ya recibidos" not in out and ", 2 rechazados." in out
