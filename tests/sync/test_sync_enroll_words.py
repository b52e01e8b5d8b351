"""What a laptop that is not enrolled yet is told. ``intake sync push`` (or any sync) names both
ways to enroll: over the network (``intake sync enroll``) and with a USB stick (``intake device
enroll-request``); it named only the stick. And ``intake sync enroll`` waiting for approval
says to run the same command again when --server-fingerprint was given already, not to add
it. The real server on 127.0.0.1. FICTIONAL data only."""

from __future__ import annotations

from .test_cli import run


def test_a_push_before_enrolling_names_both_ways(vault, home, passphrase_file, real_server, capsys):
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, out, err = run(capsys, *base, "sync", "push", "--server", real_server.url)
    assert code == 2 and "no está inscrito" in err, err
    assert "intake sync enroll --server URL" in err and "intake device enroll-request" in err, err
    code, out, err = run(capsys, "--lang", "en", *base, "sync", "push", "--server", real_server.url)
    assert code == 2 and "intake sync enroll --server URL" in err and "intake device enroll-request" in err, err


def test_a_pending_enrollment_says_what_to_run_next(vault, home, passphrase_file, real_server, capsys):
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    enroll = [*base, "sync", "enroll", "--server", real_server.url, "--post", "cr_paso_canoas"]
    code, out, err = run(capsys, *enroll)
    assert code == 0 and "Solicitud de inscripción enviada" in out, err
    assert "con --server-fingerprint y esa huella" in out  # not given yet: the next run adds it
    fingerprint = real_server.keystore.keys().public_info().fingerprint()
    code, out, err = run(capsys, *enroll, "--server-fingerprint", fingerprint)
    assert code == 0 and "Solicitud de inscripción enviada" in out, err
    assert "ejecute de nuevo el mismo comando, con la misma huella en --server-fingerprint" in out, out
    assert "con --server-fingerprint y esa huella" not in out
    code, out, err = run(capsys, "--lang", "en", *enroll, "--server-fingerprint", fingerprint)
    assert code == 0 and "run the same command again" in out and "again with --server-fingerprint" not in out, out
