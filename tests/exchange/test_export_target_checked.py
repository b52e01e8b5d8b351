"""Where a command writes its file is checked before anything is done (diff review #4, #5):
``exchange export --out`` into a folder that does not exist (or is a file) is refused, exit 2,
before the package is marked sent or the sending audited, as ``export htcds`` is before it is
audited; and ``exchange keys export --out`` replaces a file that exists only with ``--force``,
like the others. Real servers; every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

from intake_app.server.exchange import outgoing

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)


def approved(cr) -> str:
    ids = cr.laptop().save([person(7)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", ids, actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    return pkg.package_id


def test_a_package_is_not_marked_sent_for_a_folder_that_does_not_exist(pair, files, tmp_path, capsys):  # noqa: F811
    cr, _ = pair
    pid = approved(cr)
    (tmp_path / "a-file").write_bytes(b"not a folder")
    for folder, lang, words in ((tmp_path / "no-such-dir", "es", ("La carpeta", "no existe", "no se hizo nada")),
                                (tmp_path / "a-file", "en", ("The folder", "does not exist", "nothing was done"))):
        target = folder / "p.pkg"
        code, out = cli(capsys, files, cr, "exchange", "export", pid, "--out", str(target), "--supervisor", "sup.uno",
                        lang=lang)
        assert code == 2 and all(w in out for w in words) and str(folder) in out, out
        assert "Traceback" not in out and "{" not in out, out
        assert outgoing.get_package(cr.engine, pid).status == "approved"
        assert audit_params(cr, "exchange_sent") == []
    good = tmp_path / "p.pkg"
    code, out = cli(capsys, files, cr, "exchange", "export", pid, "--out", str(good), "--supervisor", "sup.uno")
    assert code == 0 and good.stat().st_size > 0, out
    assert outgoing.get_package(cr.engine, pid).status == "sent"
    assert [p["again"] for p in audit_params(cr, "exchange_sent")] == [False]


def test_the_htcds_export_checks_its_folder_before_it_is_audited(pair, files, tmp_path, capsys):  # noqa: F811
    cr, _ = pair
    cr.laptop().save([person(8)])
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(tmp_path / "nope" / "h.csv"))
    assert code == 2 and "no existe" in out, out
    assert audit_params(cr, "htcds_export") == []


def test_the_key_file_replaces_a_file_only_with_force(pair, files, tmp_path, capsys):  # noqa: F811
    cr, _ = pair
    target = tmp_path / "cr.keys"
    target.write_bytes(b"another file the operator keeps")
    for lang, words in (("es", ("ya existe", "--force", "no se escribió nada")),
                        ("en", ("already exists", "--force", "nothing was written"))):
        code, out = cli(capsys, files, cr, "exchange", "keys", "export", "--out", str(target), lang=lang)
        assert code == 2 and all(w in out for w in words), out
        assert target.read_bytes() == b"another file the operator keeps"
    code, out = cli(capsys, files, cr, "exchange", "keys", "export", "--out", str(target), "--force")
    assert code == 0 and cr.fingerprint() in out, out
    assert target.read_bytes() == cr.key_file()
    fresh = tmp_path / "fresh.keys"
    code, out = cli(capsys, files, cr, "exchange", "keys", "export", "--out", str(fresh))
    assert code == 0 and fresh.read_bytes() == cr.key_file(), out
    code, out = cli(capsys, files, cr, "exchange", "keys", "export", "--out", str(tmp_path / "nope" / "k.keys"))
    assert code == 2 and "no existe" in out, out
