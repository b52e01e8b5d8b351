"""The person who imports an older sender's package is told that values were dropped on
arrival (the fields now withheld with the victim status): one sentence after the import's
own, Spanish first, the count grouped as a person reads it; nothing when none was dropped.
Both the command line (``intake-server exchange import``) and the supervisors' import page.

All data FICTIONAL (FICTICIA / DEMO)."""

from __future__ import annotations

from intake_app.numbers import THIN
from intake_app.server.cli import main
from intake_app.server.exchange import incoming

from .conftest import person
from .test_cli_words import files  # noqa: F401 (a fixture: the key passphrase and password files)
from .test_page_words import client_of
from .test_withheld_on_arrival import _accredited, _package, cr_iom, old_sender  # noqa: F401 (fixtures)

ES_WORDS = "que este servidor no guarda para ese destino (el remitente usa una versión anterior)"
EN_WORDS = "this server does not keep for that recipient"
OCTET = {"Content-Type": "application/octet-stream"}



def _import_cli(capsys, server, path, files, lang: str) -> tuple[int, str]:
    code = main(["--home", str(server.home), "--passphrase-file", str(files["pass"]),
                 "--password-file", str(files["pw"]), "--lang", lang, "exchange", "import", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def _file(tmp_path, data: bytes):
    path = tmp_path / "paquete-ficticio.xp"
    path.write_bytes(data)
    return path


def test_the_command_line_says_how_many_values_were_dropped(cr_iom, old_sender, files, tmp_path, capsys):
    cr, iom = cr_iom
    path = _file(tmp_path, _package(cr, cr.laptop().save([_accredited(91), _accredited(92)])))
    code, out = _import_cli(capsys, iom, path, files, "es")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 2 and "importado" in lines[0]
    assert lines[1] == f"Se descartaron 4 datos {ES_WORDS}."
    assert "2026-10-09" not in out and "government_non_police" not in out  # a count, never the values


def test_the_command_line_in_english_and_grouped(cr_iom, old_sender, files, tmp_path, capsys, monkeypatch):
    cr, iom = cr_iom
    path = _file(tmp_path, _package(cr, cr.laptop().save([_accredited(93)])))
    real = incoming.import_package
    monkeypatch.setattr(incoming, "import_package", lambda *a, **k: _with_dropped(real(*a, **k), 12345))
    code, out = _import_cli(capsys, iom, path, files, "en")
    assert code == 0, out
    assert out.strip().splitlines()[-1] == f"12,345 values {EN_WORDS} were dropped (the sender runs an older version)."


def test_nothing_is_said_when_nothing_was_dropped(cr_iom, files, tmp_path, capsys):
    cr, iom = cr_iom  # an updated sender: the fields never leave
    path = _file(tmp_path, _package(cr, cr.laptop().save([_accredited(94)])))
    code, out = _import_cli(capsys, iom, path, files, "es")
    assert code == 0 and "importado" in out
    assert "descart" not in out and len(out.strip().splitlines()) == 1


def _with_dropped(result, n: int):
    from dataclasses import replace

    return replace(result, dropped=n)


def test_the_import_page_says_how_many_values_were_dropped(cr_iom, old_sender):
    cr, iom = cr_iom
    data = _package(cr, cr.laptop().save([_accredited(95)]))
    r = client_of(iom).post("/exchange/received/import", content=data, headers=OCTET).json()
    assert r["ok"], r
    head, _, tail = r["message"].partition(" Se descartaron")
    assert "importado" in head and tail == f" 2 datos {ES_WORDS}."
    assert "2026-10-09" not in r["message"]


def test_the_import_page_in_english_grouped_and_singular(cr_iom, old_sender, monkeypatch):
    cr, iom = cr_iom
    data = [_package(cr, cr.laptop().save([_accredited(n)])) for n in (96, 97)]
    real = incoming.import_package
    monkeypatch.setattr(incoming, "import_package", lambda *a, **k: _with_dropped(real(*a, **k), 1234))
    client = client_of(iom)
    r = client.post("/exchange/received/import?lang=en", content=data[0], headers=OCTET).json()
    assert r["ok"] and r["message"].endswith(f" 1,234 values {EN_WORDS} were dropped (the sender runs an older "
                                             f"version)."), r
    monkeypatch.setattr(incoming, "import_package", lambda *a, **k: _with_dropped(real(*a, **k), 1))
    r = client.post("/exchange/received/import", content=data[1], headers=OCTET).json()
    assert r["ok"] and r["message"].endswith(f" Se descartó 1 dato {ES_WORDS}."), r


def test_the_import_page_groups_in_spanish_with_a_narrow_space(cr_iom, old_sender, monkeypatch):
    cr, iom = cr_iom
    data = _package(cr, cr.laptop().save([_accredited(98)]))
    real = incoming.import_package
    monkeypatch.setattr(incoming, "import_package", lambda *a, **k: _with_dropped(real(*a, **k), 12345))
    r = client_of(iom).post("/exchange/received/import", content=data, headers=OCTET).json()
    assert r["ok"] and f" Se descartaron 12{THIN}345 datos {ES_WORDS}." in r["message"], r


def test_the_import_page_says_nothing_when_nothing_was_dropped(pair):
    cr, pa = pair  # an ordinary referral to Panama: nothing withheld was sent
    from intake_app.server.exchange import outgoing

    ids = cr.laptop().save([person(99)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", ids, actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    data = outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    r = client_of(pa).post("/exchange/received/import", content=data, headers=OCTET).json()
    assert r["ok"] and "descart" not in r["message"], r
