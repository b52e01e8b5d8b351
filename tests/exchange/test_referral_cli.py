"""End to end through each server's own command line: keys exchanged by signed files and
fingerprints, a referral prepared at the Costa Rican server, approved by a supervisor,
exported, read before importing and imported at the Panamanian server with exactly the
sharing profile's fields. Both audit logs tell the story and still verify."""

from __future__ import annotations

from intake_app.codebook import derive, load_codebook
from intake_app.i18n import set_language
from intake_app.codebook.sharing import sharing_policy
from intake_app.server.audit import verify
from intake_app.server.cli import main
from intake_app.server.exchange.incoming import list_received_cases, open_received_case

from .conftest import KEY_PASSPHRASE, PASSWORD, make_server, person


def run(capsys, home, *args, files=None) -> tuple[int, str]:
    argv = ["--home", str(home), "--passphrase-file", str(files["pass"]), "--password-file", str(files["pw"]),
            *args]
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_referral_from_cr_is_imported_by_pa_with_exactly_the_profile_fields(tmp_path, capsys):
    files = {"pass": tmp_path / "pass.txt", "pw": tmp_path / "pw.txt"}
    files["pass"].write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    files["pw"].write_text(PASSWORD + "\n", encoding="utf-8")
    cr = make_server(tmp_path, "cr", "cr_eri")
    pa = make_server(tmp_path, "pa", "pa_uia")
    try:
        # each side exports its signed key file; the other imports it with the fingerprint read aloud
        for me, other in ((cr, pa), (pa, cr)):
            code, out = run(capsys, me.home, "exchange", "keys", "export", "--out", str(tmp_path / f"{me.name}.keys"),
                            files=files)
            assert code == 0 and me.fingerprint() in out
        for me, other in ((cr, pa), (pa, cr)):
            code, out = run(capsys, me.home, "exchange", "keys", "import", other.identity,
                            str(tmp_path / f"{other.name}.keys"), "--fingerprint", other.fingerprint(), files=files)
            assert code == 0, out
        code, out = run(capsys, cr.home, "exchange", "recipients", files=files)
        assert "pa_uia" in out and pa.fingerprint() in out
        assert out.startswith("Destinatario\tPaís\tPropósitos\tTipos\tHuella\tNombre\n") and "Referencia" in out
        code, out = run(capsys, cr.home, "exchange", "list", files=files)
        assert code == 0 and out == "No hay paquetes de intercambio.\n"

        contents = [person(1), person(2, recipients=["other_country"], purposes=["services"])]
        case_ids = cr.laptop().save(contents)
        prepare = ["exchange", "prepare", "--recipient", "pa_uia", "--purpose", "services",
                   "--case", case_ids[0], "--case", case_ids[1]]
        code, out = run(capsys, cr.home, *prepare, files=files)  # no anonymous preparing
        assert code != 0 and "--supervisor" in out
        code, out = run(capsys, cr.home, *prepare, "--supervisor", "analista", files=files)
        assert code != 0 and cr.count("exchange_packages") == 0  # an analyst is refused
        code, out = run(capsys, cr.home, *prepare, "--supervisor", "sup.dos", files=files)
        assert code == 0, out
        package_id = out.split()[1]
        assert package_id.startswith("xp-")
        code, out = run(capsys, cr.home, "exchange", "list", files=files)  # a header, words not codes
        assert code == 0 and out.startswith("Paquete\tTipo\tDestinatario\tPropósito\tEstado\tCasos\tPreparó\tAprobó\n")
        assert f"{package_id}\tReferencia\tpa_uia\tAtención y servicios de protección\tPendiente de aprobación\t2\t" \
            f"sup.dos\t-\n" in out  # the purpose's label and the person's name, not codes

        # nothing leaves before a supervisor approves, and not the one who prepared it
        export = ["exchange", "export", package_id, "--out", str(tmp_path / "p.xp"), "--supervisor", "sup.uno"]
        code, out = run(capsys, cr.home, *export, files=files)
        assert code == 2 and "aprob" in out.lower() or "approved" in out
        assert not (tmp_path / "p.xp").exists()
        code, out = run(capsys, cr.home, "exchange", "approve", package_id, "--supervisor", "sup.dos", files=files)
        assert code == 2, out
        code, out = run(capsys, cr.home, "exchange", "approve", package_id, "--supervisor", "sup.uno", files=files)
        assert code == 0, out
        code, out = run(capsys, cr.home, *export, files=files)
        assert code == 0, out
        data = (tmp_path / "p.xp").read_bytes()
        for c in contents:  # encrypted: no name, document or narrative in the file
            for key in ("given_names", "surnames", "document_number", "narrative"):
                assert c[key].encode() not in data

        code, out = run(capsys, pa.home, "exchange", "inspect", str(tmp_path / "p.xp"), files=files)
        assert code == 0 and package_id in out and "Nombre(s)" in out, out  # words, not codes (given_names)
        assert "Remitente: " in out and "cr_eri" not in out and "given_names" not in out and "referral" not in out
        assert "libro de códigos" in out and " UTC" in out and "codebook" not in out
        code, out = run(capsys, pa.home, "--lang", "en", "exchange", "import", str(tmp_path / "p.xp"), files=files)
        assert code == 0, out
        assert "2 records" in out
        code, out = run(capsys, pa.home, "--lang", "es", "exchange", "received", files=files)
        assert code == 0 and out.startswith("Paquete\tTipo\tRemitente\tPropósito\tCasos\n")
        assert "\nRegistro\tRemitente\tCaso en origen\tPropósito\tEstado\n" in out and "\tvigente" in out

        # exactly the profile's fields: other_country/services seen from Costa Rica, nothing else
        cb = load_codebook("1.0")
        profile = sharing_policy(cb).profile("other_country", "services", "uia")
        received = {r["sender_case_id"]: open_received_case(pa.engine, r["id"], actor="user:sup.uno")
                    for r in list_received_cases(pa.engine)}
        assert set(received) == set(case_ids)
        for cid, content in zip(case_ids, contents):
            full = {**content, **derive(cb, content)}
            expected = {k: v for k, v in full.items() if profile.allows(cb.field(k))}
            got = received[cid]["content"]
            assert got == expected
            assert received[cid]["sender_key"] == "cr_eri" and received[cid]["basis"] == "consent"
            for never in ("narrative", "document_number", "phone", "other_names"):
                assert never not in got
            assert got["given_names"] == content["given_names"]

        # received twice: stored once, refused with a clear message
        code, out = run(capsys, pa.home, "--lang", "es", "exchange", "import", str(tmp_path / "p.xp"), files=files)
        assert code == 2 and package_id in out and "repetición" in out
        assert pa.count("exchange_received") == 1 and pa.count("exchange_received_cases") == 2

        # audited on both sides, and both chains still verify
        cr_actions, pa_actions = cr.audit_actions(), pa.audit_actions()
        for action in ("exchange_key_import", "exchange_prepared", "exchange_approved", "exchange_sent"):
            assert action in cr_actions
        for action in ("exchange_key_import", "exchange_received", "exchange_opened", "exchange_import_refused"):
            assert action in pa_actions
        assert verify(cr.engine) == len(cr_actions) and verify(pa.engine) == len(pa_actions)
    finally:
        set_language("es")
        cr.engine.dispose()
        pa.engine.dispose()


def test_a_package_file_larger_than_any_sender_writes_is_refused_before_it_is_read(tmp_path, capsys):
    """A wrong file given to ``exchange inspect`` / ``import`` (a disk image, a video) is
    refused by its size, in words, without being read into memory."""
    import tracemalloc

    from intake_app.server.exchange.envelope import MAX_PACKAGE

    files = {"pass": tmp_path / "pass.txt", "pw": tmp_path / "pw.txt"}
    files["pass"].write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    files["pw"].write_text(PASSWORD + "\n", encoding="utf-8")
    pa = make_server(tmp_path, "pa", "pa_uia")
    big = tmp_path / "imagen-de-disco.xp"
    with open(big, "wb") as f:  # sparse: takes no disk
        f.truncate(4 * MAX_PACKAGE)
    set_language("es")
    try:
        for command in ("inspect", "import"):
            tracemalloc.start()
            code, out = run(capsys, pa.home, "exchange", command, str(big), files=files)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert code != 0 and "más grande que cualquier paquete de intercambio" in out, out
            assert peak < MAX_PACKAGE // 4, peak
    finally:
        pa.engine.dispose()
