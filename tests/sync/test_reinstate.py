"""A laptop revoked by mistake keeps its undelivered cases: the administrator reinstates it,
the laptop applies the server's signed word (online, or from a stick) and sends what was
pending. An old status from before the revocation cannot undo it, and a reinstatement asked
while the server still says 'revoked' leaves the vault locked. Real vault, real server on
loopback. All data is fictional."""

from __future__ import annotations

import pytest

from intake_app.server import devices
from intake_app.server.cli import main as server_main
from intake_app.sync.client import push, signed_client
from intake_app.sync.errors import DeviceRevoked
from intake_app.sync.status import apply_status
from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

from .test_cli import run


def test_a_laptop_revoked_by_mistake_is_reinstated_online(real_server, vault, home, passphrase_file, capsys):
    real_server.enroll(vault)
    vault.save_case(load_sample("intake-adult-woman"))
    push(vault, real_server.url)
    with signed_client(vault, real_server.url) as client:
        before = client.status(vault.device_id)  # an 'active' status kept from before the revocation
    real_server.revoke(vault.device_id)  # the wrong laptop
    trapped = vault.save_case(load_sample("intake-unaccompanied-boy")).case_id
    with pytest.raises(DeviceRevoked):
        push(vault, real_server.url)
    vault.close()
    base = ["--home", str(home), "--passphrase-file", str(passphrase_file)]

    code, _, err = run(capsys, *base, "sync", "reinstate", "--server", real_server.url)
    assert code == 2 and "revocó este equipo" in err  # the server still says revoked: stays locked
    v = Vault.open(home, "oficial.prueba", PASSPHRASE, for_reinstatement=True)
    with pytest.raises(DeviceRevoked):
        apply_status(v, before, live=False)  # an old word cannot undo the revocation
    v.close()
    with pytest.raises(DeviceRevoked):
        Vault.open(home, "oficial.prueba", PASSPHRASE)

    devices.reinstate(real_server.engine, vault.device_id, actor="test")
    code, out, err = run(capsys, *base, "sync", "reinstate", "--server", real_server.url)
    assert code == 0, err
    assert "reactivado" in out
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)  # opens normally again
    try:
        assert push(v, real_server.url).revisions == 1  # the trapped case reaches the server
        assert real_server.scalar("SELECT count(*) FROM revisions WHERE case_id = :c", c=trapped) == 1
        assert "device_reinstated" in [e.action for e in v.audit.entries()]
    finally:
        v.close()


def test_reinstated_by_stick(real_server, vault, home, passphrase_file, tmp_path, capsys):
    real_server.enroll(vault)
    vault.save_case(load_sample("intake-adult-woman"))
    real_server.revoke(vault.device_id)
    with pytest.raises(DeviceRevoked):
        push(vault, real_server.url)
    vault.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    base = ["--home", str(home), "--passphrase-file", str(passphrase_file)]
    code, _, err = run(capsys, *base, "sync", "reinstate", "--from", str(stick))
    assert code == 2 and "intake-server device reinstate" in err  # no status on the stick yet

    srv = ["--home", str(tmp_path / "srvhome"), "--passphrase-file", str(passphrase_file)]
    (tmp_path / "srvpass").write_text("frase del operador ficticia\n", encoding="utf-8")
    srv = ["--home", str(tmp_path / "srvhome"), "--passphrase-file", str(tmp_path / "srvpass")]
    code = server_main([*srv, "device", "reinstate", vault.device_id, "--dir", str(stick)])
    out = capsys.readouterr().out
    assert code == 0 and "reactivado" in out
    assert (stick / RECEIPTS_DIR / vault.device_id / STATUS_NAME).is_file()
    assert server_main([*srv, "device", "reinstate", vault.device_id]) == 0  # not revoked any more: nothing to do
    assert "ya estaba activo" in capsys.readouterr().out

    code, out, err = run(capsys, *base, "sync", "reinstate", "--from", str(stick))
    assert code == 0, err
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        assert push(v, real_server.url).revisions == 1
    finally:
        v.close()


def test_an_old_status_cannot_undo_a_revocation_learnt_from_a_refused_upload(real_server, vault, monkeypatch):
    """Learnt from a 403 there is no signed time: the device's clock (even set back a day)
    never lets a status it already saw count as 'after the revocation'."""
    from datetime import datetime, timedelta, timezone

    from intake_app.sync import state

    real_server.enroll(vault)
    with signed_client(vault, real_server.url) as client:
        before = client.status(vault.device_id)
    apply_status(vault, before)  # seen: the last contact
    real_server.revoke(vault.device_id)
    monkeypatch.setattr(state, "utc_now", lambda: datetime.now(timezone.utc) - timedelta(days=1))
    state.mark_revoked(vault)  # as a refused upload (403 device_revoked) does
    with pytest.raises(DeviceRevoked):
        apply_status(vault, before, live=False)
    assert state.is_revoked(vault)
