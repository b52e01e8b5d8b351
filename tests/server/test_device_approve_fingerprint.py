"""``device approve`` approves only after the fingerprint was compared with the laptop's
screen: ``--fingerprint`` must match the request's, or the operator at a terminal says it
does. Otherwise whoever sent a request under a laptop's id first (the id is printed and read
aloud; the fingerprint comes from the laptop's own key) would be approved in its place.
All data is fictional."""

from __future__ import annotations

from intake_app.server import devices

from .test_cli_operator_errors import op


def _pending(srv, device_factory):
    dev = device_factory("lap-huella")
    devices.register_request(srv.engine, dev.enrollment_request(), source="test")
    return dev


def _status(srv, dev) -> str:
    return devices.device_info(srv.engine, dev.device_id).status


def test_a_fingerprint_that_is_not_the_requests_approves_nothing(srv, device_factory, tmp_path):
    dev, other = _pending(srv, device_factory), device_factory("lap-intrusa")
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id,
                        "--fingerprint", other.keys.public().fingerprint())
    assert code != 0 and "no es la de la solicitud" in err and "device refuse" in err
    assert _status(srv, dev) == "pending"


def test_the_requests_fingerprint_in_any_form_approves(srv, device_factory, tmp_path):
    dev = _pending(srv, device_factory)
    typed = dev.keys.public().fingerprint().replace("-", " ").lower()  # as read aloud and typed
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id, "--fingerprint", typed)
    assert code == 0, err
    assert _status(srv, dev) == "active"


def test_piped_without_a_fingerprint_is_refused_before_the_passphrase(srv, device_factory, tmp_path):
    dev = _pending(srv, device_factory)
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id, with_secrets=False, input="")
    assert code == 2 and "--fingerprint" in err and "Frase de paso" not in out + err
    assert _status(srv, dev) == "pending"


def test_at_a_terminal_the_fingerprint_is_shown_and_asked_about(srv, device_factory, tmp_path, monkeypatch):
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)
    dev = _pending(srv, device_factory)
    fingerprint = dev.keys.public().fingerprint()
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id, input="n\n")
    assert code == 0 and f"Huella de la solicitud: {fingerprint}" in err and "No se aprobó" in err
    assert _status(srv, dev) == "pending"
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id, input="s\n")
    assert code == 0 and _status(srv, dev) == "active", err
