"""``intake-server import``: a refused file is no internal error (exit 3, the rest stored),
Ctrl+C prints what was stored before exiting 130, and several sticks are imported in one go,
each getting its own receipts. FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.server.cli import main

from .conftest import KEY_PASSPHRASE
from .test_usb_import import manifest, put


def cli(srv, tmp_path, *args) -> int:
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    try:
        return main(["--home", str(srv.home), "--db", srv.settings.db_url, "--passphrase-file", str(pp),
                     "--lang", "es", "import", *map(str, args)])
    finally:
        i18n.set_language("es")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_refused_file_exits_3_not_1(srv, device_factory, tmp_path, capsys):
    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, a.new_bundle(1)[0][:-9])  # cut short
    put(stick, a, 2, a.new_bundle(1)[0])
    assert cli(srv, tmp_path, stick) == 3
    out, err = capsys.readouterr()
    assert "Importación: 1 aceptado, 0 ya recibidos, 1 rechazado." in out and "interno" not in out + err
    assert "falta" not in out  # bundle 1 is not also listed as missing: its refusal says it
    assert cli(srv, tmp_path, tmp_path / "ninguna") == 2  # a missing folder: refused as before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_ctrl_c_prints_what_was_stored_then_exits_130(srv, device_factory, tmp_path, capsys, monkeypatch):
    from intake_app.server.ingest import Ingestor

    a = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    for seq in range(1, 6):
        put(stick, a, seq, a.new_bundle(1)[0])
    real, calls = Ingestor.ingest, []

    def ingest(self, data, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl+C while the third bundle is read
        return real(self, data, **kwargs)

    monkeypatch.setattr(Ingestor, "ingest", ingest)
    assert cli(srv, tmp_path, stick) == 130
    out, err = capsys.readouterr()
    assert "Importación: 2 aceptados, 0 ya recibidos, 0 rechazados." in out
    assert "sin leer: 3 archivos de la memoria" in out
    assert "Importar la memoria de nuevo es seguro" in err and srv.count("bundles") == 2
    monkeypatch.undo()
    assert cli(srv, tmp_path, stick) == 0  # again: the rest stored, nothing twice
    assert "Importación: 3 aceptados, 2 ya recibidos, 0 rechazados." in capsys.readouterr().out
    assert srv.count("bundles") == 5


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_several_sticks_at_once_each_with_its_receipts(srv, device_factory, tmp_path, capsys):
    a = srv.enroll(device_factory())
    first, second = tmp_path / "memoria1", tmp_path / "memoria2"
    for stick, seqs in ((first, (1, 2)), (second, (3, 4))):
        for seq in seqs:
            put(stick, a, seq, a.new_bundle(1)[0])
        manifest(stick, a)
    assert cli(srv, tmp_path, second, first, "-v") == 0  # the later bundles first: no gap once both are in
    out = capsys.readouterr().out
    assert "Importación: 4 aceptados, 0 ya recibidos, 0 rechazados." in out and "faltan" not in out
    assert f"aceptado: {second}/intake-bundles/{a.device_id}/00000003.bundle" in out
    assert sorted(p.name for p in (first / "intake-receipts" / a.device_id).glob("*.receipt")) == \
        ["00000001.receipt", "00000002.receipt"]
    assert sorted(p.name for p in (second / "intake-receipts" / a.device_id).glob("*.receipt")) == \
        ["00000003.receipt", "00000004.receipt"]
