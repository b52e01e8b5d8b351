"""``intake sync push`` words for a person: the unlock's own audit entry makes a small bundle at
every run, which is not "1 bundle delivered (0 revisions)" but "no new cases"; and one line
on stderr says the server is being contacted (a slow network can take a while). The real
server on 127.0.0.1. FICTIONAL data only."""

from __future__ import annotations

from tests.conftest import load_sample

from .test_cli import run


def test_push_words(vault, home, passphrase_file, real_server, capsys):
    real_server.enroll(vault)
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": "Ana FICTICIA"})
    vault.close()
    push = ["--home", home, "--passphrase-file", passphrase_file, "sync", "push", "--server", real_server.url]
    code, out, err = run(capsys, *push)
    assert code == 0, err
    assert "1 lote entregado (1 revisión)" in out
    assert err.strip() == f"Contactando al servidor {real_server.url}…"
    code, out, err = run(capsys, *push)  # nothing new: only this run's unlock in the audit log
    assert code == 0, err
    assert "No había casos nuevos que enviar" in out and "lote" not in out and "0 revisiones" not in out, out
    assert "Plazo sin conexión: vigente." in out
    code, out, err = run(capsys, "--lang", "en", *push)
    assert code == 0 and "There were no new cases to send" in out and "Contacting the server" in err, out
    assert real_server.scalar("SELECT count(*) FROM revisions") == 1
