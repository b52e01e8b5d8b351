"""``intake_app.sync.reinstate``: the one reinstatement flow the CLI (``intake sync reinstate``)
and the desktop («Reactivar este equipo…») call. A laptop revoked by mistake, on a vault
opened ``for_reinstatement``: the server's signed word, read live or from a stick the office
wrote (``intake-server device reinstate ID --dir``, here through the same functions the
server CLI calls), makes it active again; a server that still says revoked, an old status
left on a stick, no status, another server's status, each leaves it locked with a typed error.
Real vault, real server on loopback. All data is fictional."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.server import devices
from intake_app.server.usb import write_on_stick, write_status
from intake_app.sync import state
from intake_app.sync.client import push
from intake_app.sync.errors import DeviceRevoked, NoStatus, ServerUnreachable, StickOtherServer, SyncDirMissing
from intake_app.sync.reinstate import (
    StickStatusBeforeReinstatement, reinstate_from_stick, reinstate_online, reinstate_online_via,
)
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

from .conftest import free_port


def _revoked(server, vault, home):
    """Enrolled, one case waiting, revoked (the wrong laptop), learnt at the next sync; locked."""
    server.enroll(vault)
    case_id = vault.save_case(load_sample("intake-adult-woman")).case_id
    server.revoke(vault.device_id)
    with pytest.raises(DeviceRevoked):
        push(vault, server.url)
    device_id = vault.device_id
    vault.close()
    with pytest.raises(DeviceRevoked):
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    return device_id, case_id


def _for_reinstatement(home) -> Vault:
    return Vault.open(home, "oficial.prueba", PASSPHRASE, for_reinstatement=True)


def _office_writes_status(server, device_id: str, stick) -> None:
    """What ``intake-server device reinstate ID --dir STICK`` writes (cli_device.device_reinstate)."""
    data = devices.status_bytes(server.engine, server.keystore, device_id, lease_days=server.settings.lease_days,
                                contact=False)
    write_on_stick(write_status, stick, device_id, data)


def _still_locked(home) -> None:
    with pytest.raises(DeviceRevoked):
        Vault.open(home, "oficial.prueba", PASSPHRASE)


def test_online_still_revoked_then_reinstated(real_server, vault, home):
    device_id, case_id = _revoked(real_server, vault, home)
    v = _for_reinstatement(home)
    try:
        with pytest.raises(DeviceRevoked) as still:  # the server has not undone it yet
            reinstate_online(v, real_server.url)
        assert type(still.value) is DeviceRevoked and still.value.params == {"device_id": device_id}
        assert state.is_revoked(v)
    finally:
        v.close()
    _still_locked(home)

    devices.reinstate(real_server.engine, device_id, actor="test")
    v = _for_reinstatement(home)
    try:
        assert reinstate_online(v, real_server.url) == "ok"
    finally:
        v.close()
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)  # opens normally again
    try:
        assert "device_reinstated" in [e.action for e in v.audit.entries()]
        assert push(v, real_server.url).revisions == 1  # the case kept while revoked reaches the server
        assert real_server.scalar("SELECT count(*) FROM revisions WHERE case_id = :c", c=case_id) == 1
    finally:
        v.close()


def test_online_each_vault_step_goes_through_vault_call(real_server, vault, home):
    """The desktop runs the HTTP on a thread of its own and only the vault steps on the
    vault worker: every use of the vault goes through ``vault_call``."""
    device_id, _ = _revoked(real_server, vault, home)
    devices.reinstate(real_server.engine, device_id, actor="test")
    v = _for_reinstatement(home)
    steps = []

    def vault_call(fn):
        steps.append(fn)
        return fn(v)

    try:
        assert reinstate_online_via(vault_call, real_server.url) == "ok"
        assert len(steps) == 2 and not state.is_revoked(v)  # read the device's keys; apply the status
    finally:
        v.close()


def test_online_server_unreachable_changes_nothing(real_server, vault, home):
    _revoked(real_server, vault, home)
    v = _for_reinstatement(home)
    try:
        with pytest.raises(ServerUnreachable):
            reinstate_online(v, f"http://127.0.0.1:{free_port()}")
        assert state.is_revoked(v)
    finally:
        v.close()
    _still_locked(home)


def test_from_a_stick_the_office_wrote(real_server, vault, home, tmp_path):
    device_id, _ = _revoked(real_server, vault, home)
    stick = tmp_path / "stick"
    stick.mkdir()
    v = _for_reinstatement(home)
    try:
        with pytest.raises(NoStatus):  # nothing written for this laptop yet
            reinstate_from_stick(v, stick)
        with pytest.raises(SyncDirMissing):
            reinstate_from_stick(v, tmp_path / "not-plugged-in")
    finally:
        v.close()
    devices.reinstate(real_server.engine, device_id, actor="test")
    _office_writes_status(real_server, device_id, stick)
    v = _for_reinstatement(home)
    try:
        assert reinstate_from_stick(v, stick) == "ok"
    finally:
        v.close()
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()


def test_an_old_status_on_the_stick_is_said_and_changes_nothing(real_server, vault, home, tmp_path):
    """A status from before the revocation (left by an earlier sync), and one the office wrote
    while the laptop was still revoked: neither undoes the revocation; the words ask the office
    for ``intake-server device reinstate ID --dir``."""
    real_server.enroll(vault)
    stick = tmp_path / "stick"
    stick.mkdir()
    _office_writes_status(real_server, vault.device_id, stick)  # 'active', before the revocation
    device_id = vault.device_id
    vault.close()
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    real_server.revoke(device_id)
    with pytest.raises(DeviceRevoked):
        push(v, real_server.url)
    v.close()
    for attempt in ("before", "still revoked"):
        if attempt == "still revoked":
            _office_writes_status(real_server, device_id, stick)  # signed now, but says revoked
        v = _for_reinstatement(home)
        try:
            with pytest.raises(StickStatusBeforeReinstatement) as old:
                reinstate_from_stick(v, stick)
            assert isinstance(old.value, DeviceRevoked) and old.value.params == {"device_id": device_id}
            assert state.is_revoked(v)
        finally:
            v.close()
        _still_locked(home)
    for lang in ("es", "en"):
        words = i18n.describe_error(old.value, lang)
        assert f"intake-server device reinstate {device_id} --dir" in words, words


def test_another_servers_status_on_the_stick(real_server, vault, home, tmp_path):
    """The stick went through another office's server: its status is not signed by the
    pinned server; said as such, and nothing changes."""
    from datetime import datetime, timedelta, timezone

    from intake_app.bundle import ServerKeys
    from intake_app.bundle.status import make_status
    from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME

    device_id, _ = _revoked(real_server, vault, home)
    now = datetime.now(timezone.utc)
    folder = tmp_path / "stick" / RECEIPTS_DIR / device_id
    folder.mkdir(parents=True)
    (folder / STATUS_NAME).write_bytes(make_status(
        server_keys=ServerKeys.generate(), device_id=device_id, revoked=False,
        lease_until=state.iso(now + timedelta(days=30)), server_time=state.iso_precise(now + timedelta(days=1))))
    v = _for_reinstatement(home)
    try:
        with pytest.raises(StickOtherServer):
            reinstate_from_stick(v, tmp_path / "stick")
        assert state.is_revoked(v)
    finally:
        v.close()
    _still_locked(home)
