"""No plaintext: names and document numbers never appear in a bundle, in any encoding."""

from __future__ import annotations

import msgpack
from bundle_samples import bundle_kwargs, make_revisions

from intake_app.bundle import build_bundle, build_manifest, make_receipt, open_bundle, read_header
from intake_app.bundle.manifest import ManifestEntry

NAME = "Xiomara FICTICIA Quetzalcóatl-Prueba"
SURNAME = "Quetzalcóatl-Prueba"
DOCUMENT = "FICT-99887766"
NARRATIVE = "relato ficticio de Xiomara en Paso Canoas"


def encodings(text: str) -> list[bytes]:
    forms = [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be"),
             text.encode("latin-1", "ignore"), text.encode("ascii", "ignore"),
             msgpack.packb(text), text.upper().encode("utf-8"), text.lower().encode("utf-8")]
    return [f for f in forms if len(f) >= 6]


def test_no_plaintext_in_bundle_or_companions(device_keys, server_keys):
    revisions = make_revisions(200)
    for rev in revisions[::10]:  # repeated, so compression alone would not hide it
        rev["content"].update(given_names=NAME, surnames=SURNAME, document_number=DOCUMENT, narrative=NARRATIVE)
    data = build_bundle(**bundle_kwargs(device_keys, server_keys, revisions))
    manifest = build_manifest(device_id="dev-0001", created_at="2026-11-02T10:00:00Z",
                              entries=[ManifestEntry.for_file("dev-0001-00000001.intake-bundle", data, 1)],
                              device_keys=device_keys)
    receipt = make_receipt(server_signing=server_keys.signing, bundle_hash=bytes(32), device_id="dev-0001",
                           sequence=1, revision_ids=[r["revision_id"] for r in revisions], audit_seqs=[],
                           received_at="2026-11-02T10:00:00Z", status="stored")
    needles = [form for text in (NAME, SURNAME, DOCUMENT, "Xiomara", "99887766", NARRATIVE)
               for form in encodings(text)]
    for blob in (data, manifest, receipt):
        for needle in needles:
            assert needle not in blob, needle
    # the test has teeth: the same needles are in the serialized payload before encryption
    assert msgpack.packb(NAME) in msgpack.packb(revisions)
    header = read_header(data)
    assert "Xiomara" not in repr(header)
    assert open_bundle(data, device_public=device_keys.public(), server_keys=server_keys).revisions == revisions
