"""``intake-server import`` of a stick whose laptop export was killed while it wrote (review
of the USB round trip under faults): only ``.NNNNNNNN.bundle.PID.part`` is left in the
device's folder. The office is told the export did not finish and to export again on the
laptop, not "no bundles: check that it is the right stick". FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.server.errors import ImportDirEmpty
from intake_app.server.usb import preflight

from .test_usb_import_exit3 import cli


def _cut_export(stick, device_id: str, name: str = ".00000001.bundle.4242.part"):
    folder = stick / "intake-bundles" / device_id
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"\x89ITKB\r\n\x1a\x00\x01")  # the first bytes of a bundle, then the kill
    return folder


@pytest.mark.parametrize("name", [".00000001.bundle.4242.part", ".manifest.msgpack.77.part"])
def test_only_a_half_written_export_says_the_export_did_not_finish(tmp_path, name):
    stick = tmp_path / "memoria"
    _cut_export(stick, "70cd4c5cd56a402782e25d33e47e621b", name)
    with pytest.raises(ImportDirEmpty) as exc:
        preflight(stick)
    es, en = i18n.describe_error(exc.value, "es"), i18n.describe_error(exc.value, "en")
    assert "La exportación no terminó en el equipo" in es and "vuelvan a exportar" in es
    assert "70cd4c5cd56a402782e25d33e47e621b" in es and "Revise que sea la memoria correcta" not in es
    assert "The export did not finish on the laptop" in en and "export to this stick again" in en


def test_an_empty_stick_is_still_the_wrong_stick(tmp_path):
    stick = tmp_path / "memoria"
    (stick / "intake-bundles" / "70cd4c5cd56a402782e25d33e47e621b").mkdir(parents=True)
    (stick / "intake-bundles" / "70cd4c5cd56a402782e25d33e47e621b" / ".otro.4242.part").write_bytes(b"x")
    with pytest.raises(ImportDirEmpty) as exc:
        preflight(stick)
    assert "Revise que sea la memoria correcta" in i18n.describe_error(exc.value, "es")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_office_command_says_so(srv, device_factory, tmp_path, capsys):
    dev = srv.enroll(device_factory())
    stick = tmp_path / "memoria"
    _cut_export(stick, dev.device_id)
    assert cli(srv, tmp_path, stick) == 2
    out, err = capsys.readouterr()
    assert "La exportación no terminó en el equipo" in out + err and "memoria correcta" not in out + err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_export_cut_short_after_some_bundles_is_said_in_the_summary(srv, device_factory, tmp_path):
    from intake_app.server.usb import import_dir
    from intake_app.server.usb_stick import summary_lines

    from .test_usb_import import put

    dev = srv.enroll(device_factory())
    stick = tmp_path / "memoria"
    put(stick, dev, 1, dev.new_bundle(1)[0])  # whole; the kill came while writing bundle 2
    (stick / "intake-bundles" / dev.device_id / ".00000002.bundle.4242.part").write_bytes(b"\x89ITKB")
    summary = import_dir(srv.engine, srv.ingestor(), srv.keystore, stick)
    assert summary.count("accepted") == 1 and summary.unfinished == [dev.device_id]
    text = "\n".join(summary_lines(summary))
    assert f"Equipo {dev.device_id}: su última exportación no terminó" in text and "vuelvan a exportar" in text
