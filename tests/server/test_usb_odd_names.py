"""Names on the stick that are not UTF-8 (a FAT stick written by another system, a damaged
file system): the import reports them, stores the good bundles, writes every status and
prints its summary, also under a strict UTF-8 output (PYTHONIOENCODING=utf-8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import KEY_PASSPHRASE
from .test_usb_import import put


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_non_utf8_names_are_reported_not_fatal(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, dev, 1, dev.new_bundle(2)[0])
    bundles = os.fsencode(stick / "intake-bundles")
    os.mkdir(bundles + b"/\xff\xfe")  # an empty folder whose name is no UTF-8
    os.mkdir(bundles + b"/\xfe\xfd")  # one with a bundle in it: not read (no device writes such a name)
    Path(os.fsdecode(bundles + b"/\xfe\xfd/00000001.bundle")).write_bytes(dev.new_bundle(1)[0])
    Path(os.fsdecode(bundles + b"/" + os.fsencode(dev.device_id) + b"/\xff\xfe.bundle")).write_bytes(b"junk")
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "intake_app.server.cli", "--home", str(srv.home), "--db",
                           srv.settings.db_url, "--passphrase-file", str(pp), "--lang", "en", "import", str(stick)],
                          capture_output=True, env=env, timeout=120)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 3, err  # something was refused; no internal error
    assert "internal" not in (out + err).lower() and "Traceback" not in err
    assert "1 accepted, 0 already received, 1 refused" in out
    assert out.count("is not named after a field laptop") == 2
    assert "intake-bundles/\\xff\\xfe" in out and "intake-bundles/\\xfe\\xfd" in out
    assert f"intake-bundles/{dev.device_id}/\\xff\\xfe.bundle" in out
    assert srv.count("bundles") == 1
    assert (stick / "intake-receipts" / dev.device_id / "status.msgpack").is_file()
    assert (stick / "intake-receipts" / dev.device_id / "00000001.receipt").is_file()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_summary_prints_non_utf8_file_under_strict_output(srv, device_factory, tmp_path):
    """print_summary on its own: a refused file named with bytes that are not UTF-8."""
    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, dev, 1, dev.new_bundle(1)[0])
    folder = os.fsencode(stick / "intake-bundles" / dev.device_id)
    Path(os.fsdecode(folder + b"/\xe9t\xe9.bundle")).write_bytes(b"junk")  # latin-1 "été"
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "intake_app.server.cli", "--home", str(srv.home), "--db",
                           srv.settings.db_url, "--passphrase-file", str(pp), "--lang", "es", "import", str(stick)],
                          capture_output=True, env=dict(os.environ, PYTHONIOENCODING="utf-8"), timeout=120)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 3 and "1 aceptado" in out
    assert "\\xe9t\\xe9.bundle" in out
