"""A received package's manifest is read only in shapes the receiving tables can keep and
the sending side writes (review of the exchange import):

- a package id other than ``xp-`` and 32 hex digits, or a purpose wider than its column, is
  refused in words as a damaged header, audited, and nothing is stored, on PostgreSQL as on
  SQLite (before: PostgreSQL failed as an internal error with no audit entry, SQLite stored it);
- a package a peer signed again after rewriting ``sender`` is refused as altered, not as
  sealed to a key this server lacks (the key is this server's current one);
- the unverified manifest's sender is neither echoed nor audited unless it is a registry key,
  and a recipient that is no registry key at all is a damaged header, not "another recipient".

Packages are sealed here by hand (the sending side would refuse these manifests). All persons
and canaries are fictional."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
import zstandard
from sqlalchemy import text

from intake_app.bundle.format import SUITE, canonical_packb
from intake_app.bundle.keys import hpke_key_id, hpke_public_key
from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming
from intake_app.server.exchange.errors import PackageMalformed, PackageTampered, PackageUnknownSender

from .conftest import person
from .test_refusals import referral

CANARY = "Canaria.Ficticia"


def seal_raw(manifest: dict, body: dict, signer, recipient) -> bytes:
    """envelope.seal without its manifest checks: what a hostile or faulty sender could write."""
    plain = canonical_packb(body)
    hpke_public = recipient.keystore.keys().current.public
    wire = {**manifest, "recipient_key_id": hpke_key_id(hpke_public), "payload_sha256": hashlib.sha256(plain).digest()}
    mbytes = canonical_packb(wire)
    info = envelope.MAGIC + struct.pack(">HI", envelope.VERSION, len(mbytes)) + mbytes
    compressed = zstandard.ZstdCompressor(write_content_size=True).compress(plain)
    ciphertext = SUITE.encrypt(compressed, hpke_public_key(hpke_public), info=info)
    signed = info + struct.pack(">I", len(ciphertext)) + ciphertext
    ed, ml = signer.keystore.keys().signing.sign(signed)
    return signed + struct.pack(">H", len(ed)) + ed + struct.pack(">H", len(ml)) + ml


def resigned(data: bytes, signer, **changes) -> bytes:
    """The same ciphertext under a rewritten manifest, signed again by ``signer``."""
    (mlen,) = struct.unpack_from(">I", data, len(envelope.MAGIC) + 2)
    start = len(envelope.MAGIC) + 6
    rest = data[start + mlen:]
    (clen,) = struct.unpack_from(">I", rest)
    mbytes = canonical_packb({**envelope.read_manifest(data).to_wire(), **changes})
    signed = envelope.MAGIC + struct.pack(">HI", envelope.VERSION, len(mbytes)) + mbytes + rest[:4 + clen]
    ed, ml = signer.keystore.keys().signing.sign(signed)
    return signed + struct.pack(">H", len(ed)) + ed + struct.pack(">H", len(ml)) + ml


def good(cr, pa) -> tuple[dict, dict]:
    """(a real referral's manifest fields, its decrypted body) from the ERI to the UIA."""
    data = referral(cr, cr.laptop().save([person(61)]))
    m = envelope.read_manifest(data)
    body = envelope.open_payload(data, m, pa.keystore.keys().hpke_private(m.recipient_key_id))
    fields = {k: v for k, v in m.to_wire().items() if k not in ("recipient_key_id", "payload_sha256")}
    return fields, body


def refusals(srv) -> list[dict]:
    with srv.engine.connect() as conn:
        return [{"target": t, **json.loads(d)} for t, d in conn.execute(text(
            "SELECT target, detail FROM audit_log WHERE action = 'exchange_import_refused' ORDER BY seq"))]


def nothing_stored(srv) -> None:
    for table in ("exchange_received", "exchange_received_cases", "exchange_received_withdrawals"):
        assert srv.count(table) == 0, table


def refused_as_damaged_header(cr, pa, field: str, **manifest) -> None:
    fields, body = good(cr, pa)
    data = seal_raw({**fields, **manifest}, body, cr, pa)
    with pytest.raises(PackageMalformed) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert info.value.params == {"part": "manifest", "field": field}
    assert "La cabecera del paquete" in describe_error(info.value, "es")
    assert "The package's header" in describe_error(info.value, "en")
    assert refusals(pa)[-1]["code"] == "exchange_package_malformed"
    nothing_stored(pa)


CASES = [("package_id", dict(package_id="xp-" + "a" * 61)),  # check_id's 64 characters; the column holds 40
         ("package_id", dict(package_id="xp-" + "0" * 31 + "Z")),  # not one the sending side writes
         ("purpose", dict(purpose="services_" + "x" * 30)),  # the purpose columns hold 32
         ("sender", dict(sender="cr_" + "e" * 50))]  # the sender_key columns hold 48


@pytest.mark.parametrize("field, manifest", CASES)
def test_ids_wider_than_their_columns_are_refused_on_postgresql(pg_pair, field, manifest):
    cr, pa = pg_pair
    refused_as_damaged_header(cr, pa, field, **manifest)


@pytest.mark.parametrize("field, manifest", CASES)
def test_ids_wider_than_their_columns_are_refused_on_sqlite_too(pair, field, manifest):
    cr, pa = pair
    refused_as_damaged_header(cr, pa, field, **manifest)


def test_a_package_signed_again_under_another_sender_is_refused_as_altered(pair, make):
    """The SNM rewrites the ERI's package to name itself as the sender and signs it: the
    signature is the SNM's, the key is the UIA's current one, but the ciphertext was sealed
    under the ERI's manifest: altered, never "send them your key file"."""
    cr, pa = pair
    snm = make("snm", "pa_snm")
    pa.trust(snm)
    original = referral(cr, cr.laptop().save([person(62)]))
    relabelled = resigned(original, snm, sender="pa_snm")
    with pytest.raises(PackageTampered) as info:
        incoming.import_package(pa.engine, pa.keystore, relabelled, actor="operator")
    assert info.value.params == {"sender": "pa_snm", "part": "ciphertext"}
    es, en = describe_error(info.value, "es"), describe_error(info.value, "en")
    assert "no corresponde a su cabecera" in es and "archivo de llaves" not in es
    assert "does not match its header" in en and "key file" not in en
    assert refusals(pa)[-1]["code"] == "exchange_package_tampered"
    nothing_stored(pa)
    assert incoming.import_package(pa.engine, pa.keystore, original, actor="operator").cases == 1  # the real one


def test_an_unknown_sender_is_neither_echoed_nor_audited(pair):
    cr, pa = pair
    fields, body = good(cr, pa)
    data = seal_raw({**fields, "sender": CANARY}, body, cr, pa)
    with pytest.raises(PackageUnknownSender) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert "sender" not in info.value.params
    for lang, words in (("es", "no figura en el registro"), ("en", "not in this server's registry")):
        said = describe_error(info.value, lang)
        assert words in said and "Canaria" not in said and "{" not in said
    entry = refusals(pa)[-1]
    assert entry["code"] == "exchange_package_unknown_sender" and entry.get("sender") is None
    assert entry["target"] == fields["package_id"]  # an id of the sending side's form is kept
    with pa.engine.connect() as conn:
        assert "Canaria" not in " ".join(conn.execute(text("SELECT detail FROM audit_log")).scalars())
    nothing_stored(pa)


def test_a_known_sender_is_still_audited(pair):
    """A package for another recipient from a registry sender: the sender stays in the log."""
    cr, pa = pair
    fields, body = good(cr, pa)
    data = seal_raw({**fields, "recipient": "pa_snm"}, body, cr, pa)
    with pytest.raises(Exception) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert info.value.code == "exchange_package_not_for_us"
    assert refusals(pa)[-1]["sender"] == "cr_eri"


def test_a_recipient_that_is_no_registry_key_is_a_damaged_header(pair):
    """One flipped bit in ``pa_uia`` ("pa_uma") names nobody: damaged, not "another recipient"."""
    cr, pa = pair
    fields, body = good(cr, pa)
    data = seal_raw({**fields, "recipient": "pa_uma"}, body, cr, pa)
    with pytest.raises(PackageMalformed) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert info.value.params == {"part": "manifest", "field": "recipient"}
    assert "dañada" in describe_error(info.value, "es") and "otro destinatario" not in describe_error(info.value, "es")
    nothing_stored(pa)


def test_a_withdrawal_naming_a_package_id_of_another_shape_is_malformed():
    """A notice's package ids go into a 40-character column: one of another shape (60
    characters, say) was a database error on PostgreSQL and stored on SQLite."""
    from intake_app.server.exchange import received_rules

    manifest = envelope.Manifest("xp-" + "0" * 32, "withdrawal", "cr_eri", "pa_uia", "services", "k",
                                 "2026-11-23T10:00:00Z", "1.0", 1, (), b"\0" * 32)
    good = {"v": 1, "withdrawals": [{"case_id": "caso-demo-1", "packages": ["xp-" + "a" * 32]}]}
    assert received_rules._withdrawals(good, manifest) == [("caso-demo-1", ["xp-" + "a" * 32])]
    for wrong in ("xp-" + "a" * 57, "paquete-ficticio", "XP-" + "A" * 32):
        body = {"v": 1, "withdrawals": [{"case_id": "caso-demo-1", "packages": [wrong]}]}
        with pytest.raises(PackageMalformed) as info:
            received_rules._withdrawals(body, manifest)
        assert info.value.params == {"part": "content", "field": "packages"}
