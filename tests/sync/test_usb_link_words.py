"""Export to a stick whose bundles folder is a link says so (a link, refused for safety), not
"that path is not a folder": the stick is a folder. FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.sync import export_to
from intake_app.sync.errors import SyncDirNotFolder
from intake_app.sync.usb import BUNDLES_DIR


@pytest.mark.parametrize("linked", ["root", "device"])
def test_a_linked_bundles_folder_is_worded_as_a_link(enrolled, stick, sample, tmp_path, linked):
    outside = tmp_path / "outside"
    outside.mkdir()
    enrolled.save_case(sample("intake-adult-woman"))
    if linked == "root":
        (stick / BUNDLES_DIR).symlink_to(outside)
    else:
        (stick / BUNDLES_DIR).mkdir()
        (stick / BUNDLES_DIR / enrolled.device_id).symlink_to(outside)
    with pytest.raises(SyncDirNotFolder) as exc:
        export_to(enrolled, stick)
    assert exc.value.params["reason"] == "link"
    es, en = i18n.describe_error(exc.value, "es"), i18n.describe_error(exc.value, "en")
    assert "enlace" in es and "por seguridad" in es and "no es una carpeta." not in es
    assert "is a link" in en and "for safety" in en and "not a folder." not in en
    assert list(outside.iterdir()) == []


def test_a_file_where_the_stick_folder_must_be_is_still_not_a_folder(enrolled, tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"x")
    with pytest.raises(SyncDirNotFolder) as exc:
        export_to(enrolled, path)
    assert "reason" not in exc.value.params
