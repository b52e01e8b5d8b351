"""A laptop that only ever syncs by USB stick learns from the stick what an online one learns
from ``GET /status``: its lease renewed, a rotated server key, its own revocation. The real
``import_dir`` of the server writes the signed status; the real vault reads it. A status
carried on a stick may be old, so it only extends the lease and leaves the clock alone.
FICTIONAL data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake_app.sync import state
from intake_app.sync.errors import DeviceRevoked
from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME, export_to, import_receipts
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

pytest.importorskip("fastapi")


@pytest.fixture
def office(tmp_path):
    """A real server (SQLite) and a laptop enrolled with it through a stick."""
    from intake_app.bundle.serverkeys import KdfParams
    from intake_app.server import devices
    from intake_app.server.db import make_engine
    from intake_app.server.ingest import Ingestor
    from intake_app.server.setup import init_server
    from intake_app.server.usb import import_dir
    from intake_app.sync import import_enrollment_response, write_enrollment_request

    settings, keystore = init_server(tmp_path / "server", db_url=None, passphrase="frase del operador ficticia",
                                     admin_username="admin", admin_password="clave-admin-ficticia-1",
                                     kdf=KdfParams(memory_kib=1024, iterations=1))
    engine = make_engine(settings.db_url)
    stick = tmp_path / "stick"
    stick.mkdir()
    vault = Vault.create(tmp_path / "laptop", "oficial.prueba", PASSPHRASE)
    write_enrollment_request(vault, stick, "cr_paso_canoas")
    import_dir(engine, Ingestor(engine, keystore), keystore, stick, lease_days=30)
    devices.approve(engine, keystore, vault.device_id, actor="test", lease_days=30)
    import_dir(engine, Ingestor(engine, keystore), keystore, stick, lease_days=30)  # writes the response
    import_enrollment_response(vault, stick, keystore.keys().public_info().fingerprint())

    class Office:
        def __init__(self):
            self.engine, self.keystore, self.stick, self.vault = engine, keystore, stick, vault

        def sync_by_stick(self):
            vault.save_case(load_sample("intake-adult-woman"))
            export_to(vault, stick)
            return import_dir(engine, Ingestor(engine, keystore), keystore, stick, lease_days=30)

    yield Office()
    vault.close()  # closing twice is harmless
    engine.dispose()


def test_the_stick_renews_the_lease_and_brings_a_rotated_key(office):
    v = office.vault
    state.set_lease(v, state.iso(state.utc_now() + timedelta(days=2)))
    assert state.lease_state(v) == "expiring"
    old_key = state.server_info(v).key_id
    rotated = office.keystore.rotate()
    summary = office.sync_by_stick()
    assert summary.statuses == [v.device_id]
    assert (office.stick / RECEIPTS_DIR / v.device_id / STATUS_NAME).is_file()
    report = import_receipts(v, office.stick)
    assert report.lease_state == "ok" and len(report.delivered) == 1 and not report.refused
    assert state.server_info(v).key_id == rotated.current.key_id != old_key
    assert v.meta(state.K_CLOCK_OFFSET) is None  # a stick's time is not a live reading of the server's clock
    # the next bundle is sealed to the new key, and the server still takes it
    assert office.sync_by_stick().count("accepted") == 1


def test_an_old_status_on_the_stick_never_shortens_the_lease(office):
    office.sync_by_stick()
    far = state.utc_now() + timedelta(days=300)
    state.set_lease(office.vault, state.iso(far))  # e.g. a later online contact gave more
    assert import_receipts(office.vault, office.stick).lease_state == "ok"
    assert abs((state.lease_until(office.vault) - far).total_seconds()) < 1


def test_a_revoked_laptop_learns_it_from_the_stick_and_locks(office, tmp_path):
    from intake_app.server import devices

    devices.revoke(office.engine, office.vault.device_id, actor="test")
    summary = office.sync_by_stick()
    bundles = [i for i in summary.items if i.file.startswith("intake-bundles/")]
    assert [(i.outcome, i.code) for i in bundles] == [("refused", "device_revoked")]
    assert summary.statuses == [office.vault.device_id]
    with pytest.raises(DeviceRevoked):
        import_receipts(office.vault, office.stick)
    office.vault.close()
    with pytest.raises(DeviceRevoked):
        Vault.open(tmp_path / "laptop", "oficial.prueba", PASSPHRASE)


def test_a_tampered_status_is_refused_and_the_receipts_still_apply(office):
    office.sync_by_stick()
    path = office.stick / RECEIPTS_DIR / office.vault.device_id / STATUS_NAME
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    before = state.lease_until(office.vault)
    report = import_receipts(office.vault, office.stick)
    assert [name for name, _ in report.refused] == [STATUS_NAME]
    assert len(report.delivered) == 1 and report.lease_state is None
    assert state.lease_until(office.vault) >= before  # the receipt (a contact) may extend it; the status did nothing
