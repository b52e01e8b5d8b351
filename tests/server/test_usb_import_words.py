"""The import summary as the office reads it: an unknown codebook version says what to do, a
limit is in MB, a bad manifest does not say "nothing imported" beside an accepted bundle.
FICTIONAL data."""

from __future__ import annotations

import os

import pytest

from intake_app import i18n
from intake_app.bundle.format import build_bundle
from intake_app.server.cli import print_summary
from intake_app.server.usb import MAX_FILE
from intake_app.vault.cases import revision_hash

from .test_usb_import import manifest, put, run


@pytest.fixture
def spanish():
    before = i18n.language()
    i18n.set_language("es")
    yield
    i18n.set_language(before)


def _codebook_99(dev) -> bytes:
    rev = dev.revision()
    rev["codebook_version"] = "9.9"
    rev["content_hash"] = revision_hash(rev["case_id"], rev["parent_id"], "9.9", rev["content"])
    return build_bundle(device_id=dev.device_id, officer_ids=["oficial.demo"], sequence=1, prev_hash=bytes(32),
                        created_at="2026-11-02T10:00:00Z", codebook_versions=["9.9"], revisions=[rev],
                        audit=[], device_keys=dev.keys, server_hpke_public=dev.server.hpke_public,
                        server_key_id=dev.server.key_id)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_import_words(srv, device_factory, tmp_path, capsys, spanish):
    a, b, c = srv.enroll(device_factory()), srv.enroll(device_factory()), srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, a, 1, _codebook_99(a))
    big = put(stick, b, 1, b"")
    os.truncate(big, MAX_FILE + 1)  # sparse: takes no room
    put(stick, c, 1, c.new_bundle(1)[0])
    manifest(stick, c)
    path = stick / "intake-bundles" / c.device_id / "manifest.msgpack"
    data = bytearray(path.read_bytes())
    data[-10] ^= 1  # its signature
    path.write_bytes(bytes(data))
    summary = run(srv, stick)
    print_summary(summary)
    out = capsys.readouterr().out
    assert "1 aceptado" in out
    assert "9.9" in out and "Actualice el programa del servidor" in out and "no se pierde nada" in out
    assert "512 MB" in out and str(MAX_FILE) not in out
    assert "No se importó nada" not in out and "por su cuenta" in out
