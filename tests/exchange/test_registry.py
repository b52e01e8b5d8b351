"""The recipient registry is data checked against the codebook; consent categories depend
on who sends; keys come only from valid signed files with the right fingerprint; the
migration adds and removes exactly the exchange's tables."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect as sa_inspect

from intake_app.server.db import make_engine
from intake_app.server.exchange.errors import IdentityNotSet, KeyFileInvalid, RegistryMalformed
from intake_app.server.exchange.outgoing import prepare_referral
from intake_app.server.exchange.registry import import_peer_key, load_registry, parse_registry
from intake_app.server.migrate import downgrade, schema_diff, upgrade

EXCHANGE_TABLES = {"exchange_peers", "exchange_packages", "exchange_package_cases", "exchange_received",
                   "exchange_received_cases"}


def test_registry_lists_both_countries_and_the_international_organizations():
    reg = load_registry()
    institutions = {r.institution for r in reg}
    assert {"pani", "inamu", "dgme", "oij", "fiscalia_factra", "uia", "snm", "senniaf", "ministerio_publico",
            "iom", "unhcr"} <= institutions
    assert {r.country for r in reg} == {"CR", "PA", "INT"}
    assert reg.get("cr_conatt").kinds == ("aggregate",) and reg.get("cr_conatt").institution is None


def test_consent_category_depends_on_the_sender():
    reg = load_registry()
    assert reg.get("pa_uia").category_for("CR") == "other_country"
    assert reg.get("pa_uia").category_for("PA") == "national_authorities"
    assert reg.get("cr_pani").category_for("CR") == "services"
    assert reg.get("iom").category_for("PA") == "iom"
    assert reg.get("cr_conatt").category_for("PA") is None


@pytest.mark.parametrize("entry, problem", [
    ({"key": "x_a", "es": "A", "en": "A", "country": "CR", "institution": "nadie", "purposes": ["services"],
      "kinds": ["referral"]}, "unknown_institution"),
    ({"key": "x_a", "es": "A", "en": "A", "country": "CR", "institution": "pani", "purposes": ["espiar"],
      "kinds": ["referral"]}, "bad_purposes"),
    ({"key": "x_a", "es": "A", "en": "A", "country": "XX", "institution": "pani", "purposes": ["services"],
      "kinds": ["referral"]}, "bad_country"),
    ({"key": "x_a", "es": "A", "en": "A", "country": "CR", "purposes": ["reporting"], "kinds": ["referral"]},
     "referral_needs_institution"),
    ({"key": "X A", "es": "A", "en": "A"}, "bad_key"),
    ({"key": "x_a", "en": "A", "country": "CR", "purposes": ["reporting"], "kinds": ["aggregate"]},
     "missing_label_es"),
])
def test_malformed_registry_entries_are_named(entry, problem):
    with pytest.raises(RegistryMalformed) as info:
        parse_registry({"recipients": [entry]})
    assert info.value.params["problem"] == problem


def test_duplicate_keys_and_bad_key_files(make):
    entry = {"key": "x_a", "es": "A", "en": "A", "country": "CR", "purposes": ["reporting"], "kinds": ["aggregate"]}
    with pytest.raises(RegistryMalformed):
        parse_registry({"recipients": [entry, entry]})
    cr = make("cr", "cr_eri")
    with pytest.raises(KeyFileInvalid):
        import_peer_key(cr.engine, "pa_uia", b"no es un archivo de llaves", "AAAA", actor="operator")
    good = bytearray(cr.key_file())
    good[40] ^= 1
    with pytest.raises(KeyFileInvalid):
        import_peer_key(cr.engine, "pa_uia", bytes(good), cr.fingerprint(), actor="operator")


def test_a_server_without_an_identity_cannot_exchange(make):
    cr = make("cr", "cr_eri")
    with cr.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM server_meta WHERE key = 'exchange_self'")
    with pytest.raises(IdentityNotSet):
        prepare_referral(cr.engine, "pa_uia", "services", ["caso-demo"], actor="operator")


def test_migration_adds_and_removes_exactly_the_exchange_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine, "0002")
    assert not EXCHANGE_TABLES & set(sa_inspect(engine).get_table_names())
    upgrade(engine, "0003")
    assert EXCHANGE_TABLES <= set(sa_inspect(engine).get_table_names())
    upgrade(engine)
    assert [d for d in schema_diff(engine) if any(t in repr(d) for t in EXCHANGE_TABLES)] == []
    downgrade(engine, "0002")
    assert not EXCHANGE_TABLES & set(sa_inspect(engine).get_table_names())
    engine.dispose()
