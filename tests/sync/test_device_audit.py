"""The laptops' audit logs are checked at the server: a real vault pushes to a real server
on loopback and its chain is intact there; a missing, unlinked or altered entry is named by
its number. All data is fictional."""

from __future__ import annotations

from intake_app.server.device_audit import check_chain, verify_devices
from intake_app.server.cli import main as server_main
from intake_app.sync.client import push
from intake_app.vault.audit import GENESIS, entry_hash
from tests.conftest import load_sample


def test_a_pushed_vaults_log_is_intact_at_the_server(vault, real_server, tmp_path, capsys):
    real_server.enroll(vault)
    for args, words in ((["--device", vault.device_id[:8]], "todavía no llegó ninguna entrada"),
                        ([], "Todavía no llegó ninguna bitácora")):  # enrolled, nothing sent: said, not silent
        assert server_main(["--home", str(tmp_path / "srvhome"), "audit", "verify-devices", *args]) == 0
        assert words in capsys.readouterr().out
    vault.save_case(load_sample("intake-adult-woman"))
    vault.save_case(load_sample("intake-unaccompanied-boy"))
    push(vault, real_server.url)
    (chain,) = verify_devices(real_server.engine)
    sent = real_server.scalar("SELECT count(*) FROM device_audit")
    assert chain.device_id == vault.device_id and chain.state == "intact" and chain.entries == sent >= 3
    assert verify_devices(real_server.engine, "otro-equipo") == []

    code = server_main(["--home", str(tmp_path / "srvhome"), "audit", "verify-devices"])
    out = capsys.readouterr().out
    assert code == 0 and vault.device_id in out and "íntegra" in out
    # a beginning of the id, as every device command takes it; an unknown id is said, not met with silence
    code = server_main(["--home", str(tmp_path / "srvhome"), "audit", "verify-devices", "--device",
                        vault.device_id[:8]])
    out = capsys.readouterr().out
    assert code == 0 and vault.device_id in out and "íntegra" in out
    code = server_main(["--home", str(tmp_path / "srvhome"), "audit", "verify-devices", "--device", "ffffffffffff"])
    captured = capsys.readouterr()
    assert code == 2 and "ffffffffffff" in captured.err and "íntegra" not in captured.out

    # a log edited on the laptop before it was sent: the entry as received no longer matches its hash
    import json

    from sqlalchemy import text

    with real_server.engine.begin() as conn:
        entry = json.loads(conn.execute(text("SELECT entry FROM device_audit WHERE seq = 2")).scalar_one())
        entry["action"] = "vault_lock"
        conn.execute(text("UPDATE device_audit SET entry = :e WHERE seq = 2"), {"e": json.dumps(entry)})
    code = server_main(["--home", str(tmp_path / "srvhome"), "audit", "verify-devices"])
    captured = capsys.readouterr()
    assert code == 2 and "entrada 2 fue modificada" in captured.out and "fue alterada" in captured.err


def entries(n: int) -> list[dict]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        e = {"seq": seq, "at": f"2026-11-24T10:00:0{seq}+00:00", "officer_id": "oficial.demo", "action": "case_view",
             "case_id": "7KQ3-MX2D-9FAP", "revision_id": None, "detail": {"n": seq}, "prev_hash": prev}
        e["hash"] = entry_hash(prev, seq, e["at"], e["officer_id"], e["action"], e["case_id"], None, '{"n":%d}' % seq)
        out.append(e)
        prev = e["hash"]
    return out


def test_a_broken_chain_is_named_by_its_entry():
    assert check_chain("lap", entries(4)).state == "intact"
    gap = entries(4)
    del gap[1]
    assert (check_chain("lap", gap).state, check_chain("lap", gap).seq, check_chain("lap", gap).entries) == (
        "missing", 2, 1)
    edited = entries(4)
    edited[2]["detail"] = {"n": 99}  # a view hidden by editing the entry
    assert (check_chain("lap", edited).state, check_chain("lap", edited).seq) == ("altered", 3)
    rewritten = entries(4)
    rewritten[3]["prev_hash"] = "f" * 64  # the log rewritten after entry 3 was sent
    assert (check_chain("lap", rewritten).state, check_chain("lap", rewritten).seq) == ("chain", 4)


def test_an_office_print_check_looks_for_the_print_in_the_devices_log(vault, real_server, tmp_path):
    """A laptop prints a case and syncs: the office finds the paper genuine and its print in
    the laptop's log; a paper printed after the last sync is genuine but not in the log yet."""
    from intake_app.printing import print_summary
    from intake_app.printing.verify import make_code
    from intake_app.server.print_check import check_print, describe

    real_server.enroll(vault)
    case_id = vault.save_case(load_sample("intake-adult-woman")).case_id
    printed = print_summary(vault, case_id, tmp_path / "resumen.pdf")
    head = vault.case_history(case_id)[-1]
    qr = make_code(vault.device_keys().ed25519_seed, case_id, head.content_hash, "official", None).qr
    assert qr.split(":")[1] == printed.code.replace("-", "")  # the very code on the paper
    push(vault, real_server.url)
    check = check_print(real_server.engine, qr, actor="operator")
    assert check.current and check.logged and "no registra" not in describe(check, "es")

    later = print_summary(vault, case_id, tmp_path / "otra.pdf", copy="redacted", recipient="inamu")
    qr2 = make_code(vault.device_keys().ed25519_seed, case_id, head.content_hash, "redacted", "inamu").qr
    assert qr2.split(":")[1] == later.code.replace("-", "")
    check2 = check_print(real_server.engine, qr2, actor="operator")
    assert check2.recipient == "inamu" and not check2.logged
    assert "no registra esta impresión" in describe(check2, "es")
