"""The second exchange review's smaller findings, each as a person meets it on the command
line or the pages: a refused consent is said as the person's decision that no legal basis
overrides (#3); the same key file imported again changes nothing and says so (#8); received
tables say "UTC" once and no heading twice (#5); a notice's purpose and import in words
(#6, #9); each refusal names the command that works (#7, #2); an existing file is not
overwritten, and a question nobody can answer is refused with the advice to add --yes (#10);
the export refusal names its package (#9). Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import io

import pytest

from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import (
    PackageSealedToOldKey,
    PackageWrongState,
    RecipientHasNoKeys,
    RefusedConsentRefused,
)
from intake_app.server.exchange.registry import list_peers

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_page_words import client_of
from .test_received_tables import aggregate_received
from .test_refusals import referral
from .test_release_checks import approved


def test_a_refused_consent_is_the_persons_decision_no_legal_basis_overrides():  # 3
    err = RefusedConsentRefused(case_id="ABCD-EFGH-JKMN", recipient="pa_uia", purpose="services", reason="consent_refused")
    es, en = describe_error(err, "es"), describe_error(err, "en")
    assert "negó su consentimiento, o lo retiró" in es and "ninguna base legal la reemplaza" in es
    assert "no sanción" in es and "nada que corregir" in es and "no dio su consentimiento" not in es
    assert "refused consent, or withdrew it" in en and "no legal basis overrides it" in en
    assert "non-punishment" in en and "nothing to fix" in en


def test_the_same_key_file_again_changes_nothing(make, files, tmp_path, capsys):  # noqa: F811  8
    cr, pa = make("cr", "cr_eri"), make("pa", "pa_uia")
    (tmp_path / "pa.keys").write_bytes(pa.key_file())
    args = ["exchange", "keys", "import", "pa_uia", str(tmp_path / "pa.keys"), "--fingerprint", pa.fingerprint()]
    assert cli(capsys, files, cr, *args)[0] == 0
    imported_at = list_peers(cr.engine)["pa_uia"]["imported_at"]
    for lang, words in (("es", "ya estaban importadas, idénticas"), ("en", "already imported, identical")):
        code, out = cli(capsys, files, cr, *args, lang=lang)
        assert code == 0 and words in out and pa.fingerprint() in out, out
    assert list_peers(cr.engine)["pa_uia"]["imported_at"] == imported_at  # nothing written
    first, again, _ = audit_params(cr, "exchange_key_import")
    assert first["replaced"] is False and first["old_fingerprint"] is None
    assert again == {"fingerprint": pa.fingerprint(), "key_id": first["key_id"], "replaced": False,
                     "old_fingerprint": None, "unchanged": True}


def test_received_tables_say_utc_once_and_no_heading_twice(pair, files, capsys):  # noqa: F811  5
    cr, pa = pair
    package_id = aggregate_received(cr, pa)
    code, out = cli(capsys, files, pa, "exchange", "received", "--tables", package_id)
    assert code == 0 and "UTC UTC" not in out and " UTC." in out, out
    assert "Resumen · Resumen" not in out and "\nResumen\n" in out, out
    uno = client_of(pa)
    page = uno.get(f"/exchange/received/pkg/{package_id}").text
    assert "UTC UTC" not in page and " UTC</p>" in page
    assert '<span class="table-title" id="title-t-1-1-1">Resumen</span>' not in page  # the view's heading names it
    assert 'aria-labelledby="v-1-1"' in page
    en = uno.get(f"/exchange/received/pkg/{package_id}?lang=en").text
    assert "UTC UTC" not in en and "the sending server writes them in Spanish" in en
    assert ">Overview</h3>" in en and ">Resumen<" not in en  # the overview's Spanish title is not said again


def test_a_notice_in_words_and_the_command_after_it(pair, files, tmp_path, capsys):  # noqa: F811  6, 7, 9
    cr, pa = pair
    laptop = cr.laptop()
    keep, withdraw = laptop.save([person(97), person(98)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [keep, withdraw]), actor="operator")
    laptop.save([person(98, recipients=["services"])], [withdraw])
    code, out = cli(capsys, files, cr, "exchange", "withdrawals")
    assert code == 0, out
    (notice,) = [p for p in outgoing.list_packages(cr.engine) if p.kind == "withdrawal"]
    assert f"intake-server exchange export {notice.package_id} --out ARCHIVO --supervisor USUARIO" in out, out
    file = tmp_path / "aviso.pkg"
    code, out = cli(capsys, files, cr, "exchange", "export", notice.package_id, "--out", str(file), "--supervisor",
                    "sup.uno")
    assert code == 0, out
    code, out = cli(capsys, files, pa, "exchange", "inspect", str(file))
    assert "Propósito: Aviso de retiro" in out and "desconocido" not in out, out
    code, out = cli(capsys, files, pa, "exchange", "import", str(file))
    assert code == 0 and "nombra 1 caso; 1 registro recibido retirado" in out and "1 registro," not in out, out


def test_refusals_name_a_command_that_works(pair):  # 7, 2
    err = PackageSealedToOldKey(package_id="xp-" + "1" * 32, recipient="pa_uia")
    assert f"intake-server exchange cancel xp-{'1' * 32} --supervisor USUARIO" in describe_error(err, "es")
    assert f"intake-server exchange cancel xp-{'1' * 32} --supervisor USER" in describe_error(err, "en")
    removed = RecipientHasNoKeys(recipient="pa_uia")  # after «keys remove», not «never imported»
    assert "o se retiraron" in describe_error(removed, "es") and "or they were removed" in describe_error(removed, "en")
    cr, _ = pair
    data = referral(cr, cr.laptop().save([person(99)]))
    with pytest.raises(PackageWrongState) as info:
        outgoing.cancel(cr.engine, envelope.read_manifest(data).package_id, actor="user:sup.uno")
    es, en = describe_error(info.value, "es"), describe_error(info.value, "en")
    assert "ningún comando lo recupera" in es and "enviado por error" in es and "exchange withdrawals" not in es
    assert "no command takes it back" in en and "sent by mistake" in en


def test_an_existing_file_is_not_overwritten_and_a_closed_stdin_is_refused(pair, files, tmp_path, capsys,  # noqa: F811
                                                                          monkeypatch):  # 10, 9
    cr, _ = pair
    case, = cr.laptop().save([person(100)])
    pkg = approved(cr, [case])
    existing = tmp_path / "existing.txt"
    existing.write_text("no borrar\n", encoding="utf-8")
    export = ["exchange", "export", pkg.package_id, "--out", str(existing), "--supervisor", "sup.dos"]
    code, out = cli(capsys, files, cr, *export)
    assert code == 2 and "ya existe" in out and "--force" in out, out
    assert existing.read_text(encoding="utf-8") == "no borrar\n"
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "approved"  # not marked sent
    htcds = tmp_path / "casos.csv"
    htcds.write_text("no borrar\n", encoding="utf-8")
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(htcds), lang="en")
    assert code == 2 and "already exists" in out and htcds.read_text(encoding="utf-8") == "no borrar\n", out
    assert "htcds_export" not in cr.audit_actions()
    code, out = cli(capsys, files, cr, "export", "htcds", "--out", str(htcds), "--force")
    assert code == 0 and htcds.read_text(encoding="utf-8").startswith("cas_"), out

    for args, kept in ((["exchange", "cancel", pkg.package_id, "--supervisor", "sup.uno"],
                        lambda: outgoing.get_package(cr.engine, pkg.package_id).status == "approved"),
                       (["exchange", "keys", "remove", "pa_uia"], lambda: "pa_uia" in list_peers(cr.engine))):
        monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal, no answer
        code, out = cli(capsys, files, cr, *args)
        assert code == 2 and "repita el comando con --yes" in out and "Cancelado" not in out and kept(), out

    code, out = cli(capsys, files, cr, *export, "--force")
    assert code == 0 and existing.read_bytes().startswith(b"\x89ITKX"), out

    laptop = cr.laptop()  # the export refusal names its package (#9)
    withdrawn, = laptop.save([person(101)])
    other = approved(cr, [withdrawn])
    laptop.save([person(101, status="refused", legal_basis="legal_obligation")], [withdrawn])
    with pytest.raises(RefusedConsentRefused):
        outgoing.export(cr.engine, other.package_id, actor="user:sup.dos")
    assert audit_params(cr, "exchange_refused")[-1] == {"recipient": "pa_uia", "purpose": "services",
                                                        "reason": "consent_refused", "package_id": other.package_id}
