"""A cloned or restored laptop, refused ``bundle_fork`` for ever, takes a new device identity
(``intake sync new-identity``), is approved again by the administrator and delivers every
case it holds exactly once, with its whole audit log intact at the server. Real vaults
(folders copied as IT would), the real central server on loopback and its stick import.
FICTIONAL data only."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from intake_app import i18n
from intake_app.bundle import ServerKeys
from intake_app.bundle.errors import ServerKeyUntrusted
from intake_app.cli import main
from intake_app.server.device_audit import verify_devices
from intake_app.sync import export_to, purge, state
from intake_app.sync.client import push
from intake_app.sync.enroll import apply_enrollment_response
from intake_app.sync.errors import DeviceRevoked, NotEnrolled, ReceiptBundleMismatch
from intake_app.sync.new_identity import new_identity
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

from .helpers import enrollment_response_for


def _save(vault, name: str):
    rec = load_sample("intake-adult-woman")
    rec["given_names"] = f"{name} FICTICIA"
    return vault.save_case(rec)


def _copy(vault, home, target):
    """The data folder as IT copies it (a disk image, or a backup): everything on disk."""
    vault.checkpoint()
    shutil.copytree(home, target)
    return Vault.open(target, "oficial.prueba", PASSPHRASE)


def _import_stick(srv, stick):
    from intake_app.server.ingest import Ingestor
    from intake_app.server.usb import import_dir

    return import_dir(srv.engine, Ingestor(srv.engine, srv.keystore), srv.keystore, stick)


def _server_revisions(srv) -> list[str]:
    return [r[0] for r in srv.rows("SELECT revision_id FROM revisions")]


def _approve_new_identity(srv, vault):
    """The administrator approves the new id (same server, same keys)."""
    srv.enroll(vault)


def test_a_cloned_laptop_takes_a_new_identity_and_delivers_every_case_once(real_server, vault, home, tmp_path):
    real_server.enroll(vault)
    early = _save(vault, "Antes")
    assert push(vault, real_server.url).delivered == [1]
    clone = _copy(vault, home, tmp_path / "clon")
    try:
        old_id = clone.device_id
        assert old_id == vault.device_id
        # the clone writes bundle 2 to a stick (sent, no receipt), then the original delivers its own bundle 2
        on_stick = _save(clone, "Clon-memoria")
        stick = tmp_path / "stick"
        stick.mkdir()
        assert export_to(clone, stick).written == (2,)
        original_case = _save(vault, "Original")
        assert push(vault, real_server.url).delivered == [2]
        # the server refuses the clone's bundle 2 as a fork; online the clone meets the original's receipt
        summary = _import_stick(real_server, stick)
        assert [(i.outcome, i.code) for i in summary.items] == [("refused", "bundle_fork")]
        later = _save(clone, "Clon-despues")
        with pytest.raises(ReceiptBundleMismatch):
            push(clone, real_server.url)

        done = new_identity(clone)
        assert done.old_device_id == old_id and done.device_id == clone.device_id != old_id
        assert done.old_last_sequence == 2 and done.undelivered_revisions == 2
        assert len(done.device_id) == 32 and clone.device_keys().public() != vault.device_keys().public()
        assert not state.is_enrolled(clone) and state.lease_until(clone) is None
        with pytest.raises(NotEnrolled):
            push(clone, real_server.url)
        entry = [e for e in clone.audit.entries() if e.action == "sync_new_identity"][-1]
        assert entry.detail == {"old_device": old_id, "device": done.device_id, "old_last_sequence": 2, "chain": 2}

        _approve_new_identity(real_server, clone)
        report = push(clone, real_server.url)
        assert report.delivered == [1]  # the new chain starts at 1
        # it carried what was not delivered (the stick's case and the later one), not what was
        assert {r[0] for r in clone.conn.execute("SELECT revision_id FROM sync_revisions WHERE chain = 2")} == {
            on_stick.revision_id, later.revision_id}
        held = _server_revisions(real_server)
        assert sorted(held) == sorted({early.revision_id, original_case.revision_id, on_stick.revision_id,
                                       later.revision_id})  # every case once, none lost, none twice
        assert real_server.scalar("SELECT device_id FROM revisions WHERE revision_id = :r",
                                  r=later.revision_id) == done.device_id
        assert {c.sync_state for c in clone.list_cases()} == {"delivered"}
        # the server checks the new device's audit chain from entry 1: the whole log went with it
        (chain,) = verify_devices(real_server.engine, done.device_id)
        assert chain.state == "intact" and chain.entries == clone.conn.execute(
            "SELECT max(audit_seq_hi) FROM sync_outbox WHERE chain = 2").fetchone()[0] > entry.seq - 1
        # purge: the case delivered under the old identity, and the two delivered under the new one
        assert purge(clone).cases == 3
        assert push(clone, real_server.url).revisions == 0  # and it goes on syncing
        assert real_server.scalar("SELECT count(*) FROM revisions") == 4
    finally:
        clone.close()


def test_a_restored_laptop_resends_what_the_server_held_without_a_receipt(real_server, vault, home, tmp_path):
    """Bundle 1 reached the server by stick but its receipt never came back to the laptop; the
    data folder is then restored from a backup and bundle 2 forks. The new identity sends
    bundle 1's case again: the server holds it once and the laptop marks it delivered."""
    real_server.enroll(vault)
    first = _save(vault, "Primera")
    stick = tmp_path / "stick"
    stick.mkdir()
    export_to(vault, stick)
    assert _import_stick(real_server, stick).count("accepted") == 1  # receipts stay on the stick, unread
    restored = _copy(vault, home, tmp_path / "restaurada")  # the backup
    try:
        _save(vault, "Segunda")
        push(vault, real_server.url)  # the laptop goes on and delivers bundle 2 ...
        vault.close()  # ... then its disk fails and the backup is put back
        shutil.rmtree(stick)
        stick.mkdir()
        third = _save(restored, "Tercera")
        assert export_to(restored, stick).written == (1, 2)
        summary = _import_stick(real_server, stick)
        assert sorted((i.outcome, i.code) for i in summary.items) == [("already_had", None), ("refused", "bundle_fork")]

        done = new_identity(restored)
        assert done.undelivered_revisions == 2
        assert {c.sync_state for c in restored.list_cases()} == {"pending"}  # no receipt: not 'sent' any more
        _approve_new_identity(real_server, restored)
        assert push(restored, real_server.url).revisions == 2
        assert real_server.scalar("SELECT count(*) FROM revisions") == 3
        assert real_server.scalar("SELECT count(*) FROM revisions WHERE revision_id = :r",
                                  r=first.revision_id) == 1
        assert {c.sync_state for c in restored.list_cases()} == {"delivered"}
        assert restored.get_case(third.case_id).sync_state == "delivered"
        (chain,) = verify_devices(real_server.engine, done.device_id)
        assert chain.state == "intact"
        # the old identity's bundles are never sent again: a new export writes the new chain only
        shutil.rmtree(stick)
        stick.mkdir()
        _save(restored, "Cuarta")
        assert export_to(restored, stick).written == (2,)
        assert [p.name for p in (stick / "intake-bundles").iterdir()] == [done.device_id]
    finally:
        restored.close()


def test_the_new_identity_enrolls_only_with_the_same_server(enrolled, server_keys):
    with enrolled.transaction():
        enrolled.set_meta(state.K_ENROLL_POSTED, "2026-11-24T10:00:00+00:00")  # the old id's online request
    new_identity(enrolled)
    assert enrolled.meta(state.K_ENROLL_POSTED) is None  # `intake sync enroll` sends the new id's request
    other = ServerKeys.generate()
    with pytest.raises(ServerKeyUntrusted):
        apply_enrollment_response(enrolled, enrollment_response_for(enrolled, other))
    assert not state.is_enrolled(enrolled)
    apply_enrollment_response(enrolled, enrollment_response_for(enrolled, server_keys))
    assert state.is_enrolled(enrolled) and state.server_info(enrolled).signing == server_keys.signing_public
    assert enrolled.meta(state.K_PREVIOUS_SERVER_INFO) is None


def test_a_revoked_laptop_cannot_take_a_new_identity(enrolled, home, passphrase_file):
    device_id = enrolled.device_id
    state.mark_revoked(enrolled)
    with pytest.raises(DeviceRevoked):
        new_identity(enrolled)
    assert enrolled.conn.execute("SELECT device_id FROM device").fetchone()[0] == device_id
    enrolled.close()
    code, out, err = _intake("--home", home, "--passphrase-file", passphrase_file, "sync", "new-identity", "--yes")
    assert code != 0 and "revocó este equipo" in err
    with Vault.open(home, "oficial.prueba", PASSPHRASE, for_reinstatement=True) as v:
        assert v.device_id == device_id


def test_the_command_asks_first(enrolled, home, passphrase_file):
    _save(enrolled, "Pregunta")
    device_id = enrolled.device_id
    enrolled.close()
    base = ("--home", home, "--passphrase-file", passphrase_file, "sync", "new-identity")
    code, out, err = _intake(*base, input="n\n")
    assert code == 0 and "Revisiones por enviar: 1" in err and "¿Continuar?" in err and "Cancelado." in out
    assert "¿Continuar?" not in out  # the question is a prompt: on stderr, as every prompt
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        assert v.device_id == device_id and state.is_enrolled(v)
    code, out, _ = _intake(*base, input="s\n")
    assert code == 0 and "Identidad nueva: equipo " in out and f"(antes {device_id})" in out
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        assert v.device_id != device_id and not state.is_enrolled(v) and v.device_id in out


def test_the_module_does_not_hide_the_identity_function():
    """``intake_app.sync.identity`` is the device-identity function (enroll.py); a submodule
    of that name would replace it in the package once imported (the CLI's ``device show``)."""
    import intake_app.sync
    import intake_app.sync.new_identity  # noqa: F401

    assert callable(intake_app.sync.identity)


def _intake(*args, input: str | None = None) -> tuple[int, str, str]:
    i18n.set_language("es")
    try:
        with CliRunner().isolation(input=input) as (out, err, _):
            try:
                code = main([*map(str, args)])
            except SystemExit as exc:
                code = exc.code
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        i18n.set_language("es")


def test_the_app_open_beside_the_command_builds_under_the_new_identity(real_server, vault, home, tmp_path):
    """The CLI runs beside the desktop app: the app's open vault must build its next bundle
    with the new id and the new keys (it kept the old id and signed with the new keys, a
    bundle the server refused for ever)."""
    real_server.enroll(vault)
    _save(vault, "Antes")
    push(vault, real_server.url)
    beside = Vault.open(home, "oficial.prueba", PASSPHRASE)  # the "CLI"
    try:
        new_id = new_identity(beside).device_id
        _approve_new_identity(real_server, beside)
    finally:
        beside.close()
    assert vault.device_id == new_id  # the app's object sees it
    _save(vault, "Después")
    report = push(vault, real_server.url)
    assert report.delivered == [1]
    assert {r.sync_state for r in vault.list_cases()} == {"delivered"}
