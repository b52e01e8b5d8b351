"""The two-country exchange review with real servers (M1, M2, L1–L6): one server's key is
trusted under one institution only, an older key file never rolls a peer's key back, a
package from the future or a referral naming no case is refused, a period is refused by
its name, damaged packages and signatures are worded for a person, the referral form
offers only purposes a sharing profile covers, and ``exchange import`` takes a supervisor.
Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest

from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.aggregate import current_quarter
from intake_app.server.exchange.errors import (
    AggregatePeriodNotClosed,
    KeyHeldByAnotherPeer,
    KeyOlderThanImported,
    PackageEmpty,
    PackageFromTheFuture,
    PackageKeyNotHeld,
    PackageMalformed,
    PackageNotForUs,
    PackageTampered,
)
from intake_app.server.exchange.registry import (
    import_peer_key,
    import_peer_key_checked,
    list_peers,
    load_registry,
)

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_refusals import nothing_stored, referral


def refusal_codes(server) -> list[str]:
    return [p["code"] for p in audit_params(server, "exchange_import_refused")]


# --- M1: one key, one institution ------------------------------------------------------------------------
def test_a_key_trusted_as_one_institution_is_refused_as_another(pair):
    cr, pa = pair  # the CR server trusts the PA server as the UIA
    for replace in (False, True):  # --replace is for the same institution's new key, never for this
        with pytest.raises(KeyHeldByAnotherPeer) as info:
            import_peer_key(cr.engine, "cr_oij", pa.key_file(), pa.fingerprint(), actor="operator", replace=replace)
        assert info.value.params == {"recipient": "cr_oij", "holder": "pa_uia"}
    assert set(list_peers(cr.engine)) == {"pa_uia"}  # nothing sealed to the OIJ can reach Panama
    es, en = describe_error(info.value, "es"), describe_error(info.value, "en")
    assert "ya está registrada como la de UIA – " in es and "(pa_uia)" in es and "no se importó nada" in es.lower()
    assert "already registered as UIA – " in en and "(pa_uia)'s" in en  # the key «keys remove» takes
    # the same file under its own name again is still fine (a refresh)
    assert import_peer_key_checked(cr.engine, "pa_uia", pa.key_file(), pa.fingerprint(),
                                   actor="operator").old_fingerprint == pa.fingerprint()


def test_the_cli_refuses_a_key_file_under_a_second_name(pair, files, tmp_path, capsys):  # noqa: F811
    cr, pa = pair
    (tmp_path / "pa.keys").write_bytes(pa.key_file())
    code, out = cli(capsys, files, cr, "exchange", "keys", "import", "cr_oij", str(tmp_path / "pa.keys"),
                    "--fingerprint", pa.fingerprint())
    assert code == 2 and "cr_oij" not in list_peers(cr.engine) and "No se importó nada" in out, out


# --- M2: no rollback of a peer's encryption key ----------------------------------------------------------
def test_an_older_key_file_does_not_roll_back_the_peers_key(pair):
    cr, pa = pair
    old_file = pa.key_file()
    pa.keystore.rotate()  # the UIA rotates its encryption key and sends the new file
    new_file = pa.key_file()
    new_id = pa.keystore.keys().current.key_id
    assert import_peer_key_checked(cr.engine, "pa_uia", new_file, pa.fingerprint(),
                                   actor="operator").peer.hpke_key_id == new_id
    with pytest.raises(KeyOlderThanImported) as info:  # the old file again (same fingerprint)
        import_peer_key(cr.engine, "pa_uia", old_file, pa.fingerprint(), actor="operator")
    assert info.value.params["recipient"] == "pa_uia"
    assert info.value.params["found"] < info.value.params["current"]
    assert list_peers(cr.engine)["pa_uia"]["hpke_key_id"] == new_id  # still the new key
    assert "más antiguo" in describe_error(info.value, "es") and "older" in describe_error(info.value, "en")
    import_peer_key(cr.engine, "pa_uia", new_file, pa.fingerprint(), actor="operator")  # the same file: fine


# --- L1: fresh, and not empty ------------------------------------------------------------------------------
def _signed(cr, pa, *, created_at: str, cases: int, body: dict | None = None, kind: str = "referral") -> bytes:
    return envelope.seal({"package_id": "xp-" + secrets.token_hex(16), "kind": kind, "sender": "cr_eri",
                          "recipient": "pa_uia", "purpose": "services", "created_at": created_at,
                          "codebook_version": "1.0", "cases": cases,
                          "fields": ["consent_purposes", "consent_recipients", "consent_status", "given_names"]},
                         body if body is not None else {"cases": []}, sender_keys=cr.keystore.keys().signing,
                         recipient_hpke_public=pa.keystore.keys().current.public)[0]


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def test_a_package_from_the_future_or_naming_no_case_is_refused(pair):
    cr, pa = pair
    now = datetime.now(timezone.utc)
    with pytest.raises(PackageFromTheFuture) as info:  # years ahead
        incoming.import_package(pa.engine, pa.keystore, _signed(cr, pa, created_at="2031-01-01T00:00:00Z", cases=1),
                                actor="operator")
    assert info.value.params["created_at"] == "2031-01-01T00:00:00Z" and info.value.params["minutes"] == 15
    with pytest.raises(PackageFromTheFuture):  # an hour ahead: more than the skew allowed
        incoming.import_package(pa.engine, pa.keystore, _signed(cr, pa, created_at=_iso(now + timedelta(hours=1)),
                                                                cases=1), actor="operator")
    assert "más tarde que la hora de este servidor" in describe_error(info.value, "es")
    for when in ("2019-01-01T00:00:00Z", _iso(now + timedelta(minutes=5))):  # old, or a clock a little ahead
        with pytest.raises(PackageEmpty) as empty:  # reached the next check: the time was accepted
            incoming.import_package(pa.engine, pa.keystore, _signed(cr, pa, created_at=when, cases=0),
                                    actor="operator")
    assert empty.value.params["kind"] == "referral"
    assert "no nombra ningún caso" in describe_error(empty.value, "es")
    nothing_stored(pa)
    assert refusal_codes(pa) == ["exchange_package_from_future"] * 2 + ["exchange_package_empty"] * 2
    # an old package that is well-formed is imported: age has no limit (docs/exchange.md § 4)
    case = {"case_id": "caso-demo-1", "revision_id": "rev-demo-1", "codebook_version": "1.0", "basis": "consent",
            "content": {"given_names": "Ana FICTICIA", "consent_status": "given", "consent_recipients": ["other_country"],
                        "consent_purposes": ["services"]}}
    old = _signed(cr, pa, created_at="2019-01-01T00:00:00Z", cases=1, body={"cases": [case]})
    assert incoming.import_package(pa.engine, pa.keystore, old, actor="operator").cases == 1


def test_an_aggregate_package_counts_no_case_and_is_not_empty(pair):
    cr, pa = pair
    incoming.check_fresh(envelope.Manifest("xp-" + "0" * 32, "aggregate", "cr_eri", "pa_uia", "reporting", "k",
                                           _iso(datetime.now(timezone.utc)), "1.0", 0, (), b"\0" * 32),
                         datetime.now(timezone.utc))


# --- L2: the period by its name ------------------------------------------------------------------------------
def test_the_running_quarter_is_refused_by_its_name(pair):
    cr, _ = pair
    running = current_quarter()
    typed = f"T{running[-1]} {running[:4]}"  # as the dashboard writes it
    with pytest.raises(AggregatePeriodNotClosed) as info:
        outgoing.prepare_aggregate(cr.engine, "pa_uia", typed, actor="user:sup.uno")
    assert info.value.params["period"] == running  # a code, so the page's address keeps it


def test_the_page_names_the_running_quarter(pair):
    from .test_page_words import client_of

    cr, _ = pair
    running = current_quarter()
    uno = client_of(cr)
    r = uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting",
                                            "period": f"T{running[-1]} {running[:4]}"})
    assert r.status_code == 303
    r = uno.get(r.headers["location"])
    assert 'id="error-period" role="alert"' in r.text
    assert "«?»" not in r.text and running in r.text, r.text


# --- L3, L4: damaged packages and signatures in words -----------------------------------------------------
def test_damaged_packages_are_worded_for_a_person(pair):
    cr, pa = pair
    data = referral(cr, cr.laptop().save([person(81)]))
    with pytest.raises(PackageMalformed) as trailing:
        incoming.import_package(pa.engine, pa.keystore, data + b"\x00", actor="operator")
    bad = bytearray(data)
    bad[-10] ^= 0x01  # inside the ML-DSA-65 signature
    with pytest.raises(PackageTampered) as one_sig:
        incoming.import_package(pa.engine, pa.keystore, bytes(bad), actor="operator")
    assert one_sig.value.params["part"] == "ml-dsa-65"
    with pytest.raises(PackageMalformed) as cut:
        incoming.import_package(pa.engine, pa.keystore, data[:-100], actor="operator")
    for err in (trailing.value, one_sig.value, cut.value):
        for lang in ("es", "en"):
            text = describe_error(err, lang)
            assert "?" not in text and "(part" not in text and "parte:" not in text, text
            for code in ("trailing", "ml-dsa-65", "truncated", "ed25519"):
                assert code not in text, text
    assert "datos de más" in describe_error(trailing.value, "es")
    assert "extra data" in describe_error(trailing.value, "en")
    nothing_stored(pa)


def test_not_for_us_and_a_key_we_do_not_hold_are_told_apart(pair, make):
    cr, pa = pair
    case_id, = cr.laptop().save([person(82, recipients=["other_country", "iom"])])
    iom = make("iom", "iom")
    cr.trust(iom)
    with pytest.raises(PackageNotForUs) as other:
        incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id], recipient="iom"), actor="operator")
    assert not isinstance(other.value, PackageKeyNotHeld)
    es = describe_error(other.value, "es")
    assert "otro destinatario" in es and "llave" not in es, es
    # for us, but sealed to a key the UIA does not hold (an old or foreign key file at the ERI)
    now = _iso(datetime.now(timezone.utc))
    sealed = envelope.seal({"package_id": "xp-" + secrets.token_hex(16), "kind": "referral", "sender": "cr_eri",
                            "recipient": "pa_uia", "purpose": "services", "created_at": now,
                            "codebook_version": "1.0", "cases": 1, "fields": ["given_names"]}, {"cases": []},
                           sender_keys=cr.keystore.keys().signing,
                           recipient_hpke_public=iom.keystore.keys().current.public)[0]
    with pytest.raises(PackageKeyNotHeld) as not_held:
        incoming.import_package(pa.engine, pa.keystore, sealed, actor="operator")
    es, en = describe_error(not_held.value, "es"), describe_error(not_held.value, "en")
    assert "dirigido a este servidor" in es and "otro destinatario" not in es, es
    assert "addressed to this server" in en and "another recipient" not in en, en
    assert refusal_codes(pa) == ["exchange_package_not_for_us", "exchange_package_key_not_held"]


# --- L5: only purposes a profile covers --------------------------------------------------------------------
def test_referral_purposes_follow_the_sharing_profiles():
    from intake_app.server.exchange.registry import referral_purposes

    reg = load_registry()
    assert referral_purposes(reg.get("pa_uia"), "CR") == ("services",)  # no profile for prosecution abroad
    assert referral_purposes(reg.get("pa_uia"), "PA") == ("services", "prosecution")
    assert referral_purposes(reg.get("cr_oij"), "CR") == ("prosecution",)
    assert referral_purposes(reg.get("pa_ministerio_publico"), "CR") == ()
    assert referral_purposes(reg.get("cr_conatt"), "CR") == ()  # aggregates only


def test_the_referral_form_offers_only_covered_purposes(pair, make):
    from .test_page_words import client_of

    cr, _ = pair
    mp = make("mp", "pa_ministerio_publico")  # prosecution only: no profile from Costa Rica at all
    cr.trust(mp)
    page = client_of(cr).get("/exchange/").text
    form = page.split('action="/exchange/prepare"')[1].split("</form>")[0]
    assert 'value="pa_uia:services"' in form
    assert "pa_uia:prosecution" not in form and "pa_ministerio_publico" not in form
    assert 'name="purpose"' not in form  # no second list that could pair a purpose with any recipient


# --- L6: exchange import in a supervisor's name ----------------------------------------------------------
def test_cli_import_takes_a_supervisor(pair, files, tmp_path, capsys):  # noqa: F811
    cr, pa = pair
    (tmp_path / "a.xp").write_bytes(referral(cr, cr.laptop().save([person(83)])))
    (tmp_path / "b.xp").write_bytes(referral(cr, cr.laptop().save([person(84)])))
    code, out = cli(capsys, files, pa, "exchange", "import", str(tmp_path / "a.xp"), "--supervisor", "sup.uno")
    assert code == 0, out
    code, out = cli(capsys, files, pa, "exchange", "import", str(tmp_path / "b.xp"))
    assert code == 0, out
    with pa.engine.connect() as conn:
        from sqlalchemy import text

        actors = list(conn.execute(text("SELECT actor FROM audit_log WHERE action = 'exchange_received' ORDER BY seq"))
                      .scalars())
    assert actors[0] == "user:sup.uno" and actors[1].startswith("operator")  # operator:<login> (audit.operator_actor)
    assert len(actors) == 2
