"""``exchange export --out``: a pipe or a device is refused even with ``--force`` (before the
package is marked sent), and the package is marked sent (and audited) only once its file is
on disk: a stick that fills up during the write leaves it approved, with no file and no
``exchange_sent``. Real servers; every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import errno
import os
import stat

from intake_app.server.exchange import outgoing

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)


def approved(cr) -> str:
    ids = cr.laptop().save([person(31)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", ids, actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    return pkg.package_id


def test_a_pipe_is_refused_even_with_force_before_the_package_is_sent(pair, files, tmp_path, capsys):  # noqa: F811
    cr, _ = pair
    pid = approved(cr)
    pipe = tmp_path / "tubo"
    os.mkfifo(pipe)
    for lang, words in (("es", ("no es un archivo común", "no se hizo nada")),
                        ("en", ("is not a regular file", "nothing was done"))):
        for force in ((), ("--force",)):
            code, out = cli(capsys, files, cr, "exchange", "export", pid, "--out", str(pipe), *force,
                            "--supervisor", "sup.dos", lang=lang)
            assert code == 2 and all(w in out for w in words) and str(pipe) in out, out
            assert "Traceback" not in out and "{" not in out, out
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert outgoing.get_package(cr.engine, pid).status == "approved"
    assert audit_params(cr, "exchange_sent") == []


def test_a_package_is_marked_sent_only_once_its_file_is_written(pair, files, tmp_path, capsys,  # noqa: F811
                                                                 monkeypatch):
    cr, _ = pair
    pid = approved(cr)
    stick = tmp_path / "memoria"
    stick.mkdir()
    target = stick / "p.pkg"
    real_fsync = os.fsync

    def full(fd):  # the stick is full: the file's data cannot reach it
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(stick)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    code, out = cli(capsys, files, cr, "exchange", "export", pid, "--out", str(target), "--supervisor", "sup.dos")
    assert code == 2 and "No hay espacio" in out and "Traceback" not in out, out
    assert outgoing.get_package(cr.engine, pid).status == "approved"
    assert audit_params(cr, "exchange_sent") == []
    assert list(stick.iterdir()) == []  # nor a temporary file left behind
    monkeypatch.setattr(os, "fsync", real_fsync)
    code, out = cli(capsys, files, cr, "exchange", "export", pid, "--out", str(target), "--supervisor", "sup.dos")
    assert code == 0 and target.stat().st_size > 0, out
    pkg = outgoing.get_package(cr.engine, pid)
    assert pkg.status == "sent" and target.read_bytes() == outgoing.export(cr.engine, pid, actor="user:sup.dos")
    assert [p["again"] for p in audit_params(cr, "exchange_sent")] == [False, True]
