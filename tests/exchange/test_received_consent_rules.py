"""The receiving server makes the sharing decision again: a correctly signed package from a
trusted peer whose records break the consent rules (a modified or faulty sender) is refused
whole, nothing stored, the refusal audited; the same holds for an aggregate package whose
tables are not the dashboard's suppressed ones. Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import copy
import json
import secrets
from datetime import date

import pytest
from sqlalchemy import text

from intake_app.codebook import load_codebook
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import PackageInvalidContent, PackageMalformed
from intake_app.server.exchange.registry import load_registry

from .conftest import person

CHILD_BIRTH = "2016-01-15"  # ten years old or so: a child


def minimized(content: dict, purpose: str = "services") -> tuple[list[str], dict]:
    """(the manifest's fields, the record) as the sending side minimizes it for the UIA."""
    rec = load_registry().get("pa_uia")
    decision, derived = outgoing.decide(rec, purpose, "CR", "1.0", content)
    return outgoing.profile_fields(rec, purpose, "CR", "1.0"), outgoing.minimized(decision, "1.0", content, derived)


def seal(cr, pa, payload: dict, *, kind="referral", purpose="services", fields=(), cases=None,
         recipient="pa_uia") -> bytes:
    manifest = {"package_id": "xp-" + secrets.token_hex(16), "kind": kind, "sender": "cr_eri",
                "recipient": recipient, "purpose": purpose, "created_at": "2026-01-10T10:00:00Z",
                "codebook_version": "1.0", "cases": len(payload.get("cases", [])) if cases is None else cases,
                "fields": sorted(fields)}
    data, _ = envelope.seal(manifest, payload, sender_keys=cr.keystore.keys().signing,
                            recipient_hpke_public=pa.keystore.keys().current.public)
    return data


def referral(cr, pa, record: dict, basis: str, fields, purpose="services") -> bytes:
    case = {"case_id": "DEMO-" + secrets.token_hex(2).upper() + "-0001", "revision_id": secrets.token_hex(16),
            "codebook_version": "1.0", "basis": basis, "content": record}
    return seal(cr, pa, {"cases": [case]}, purpose=purpose, fields=fields)


def refused(pa, data: bytes, problem: str, error=PackageInvalidContent) -> None:
    with pytest.raises(error) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    if problem:
        assert problem in info.value.params["problems"], info.value.params
    assert pa.count("exchange_received") == 0 and pa.count("exchange_received_cases") == 0
    with pa.engine.connect() as conn:
        action, detail = conn.execute(text("SELECT action, detail FROM audit_log ORDER BY seq DESC")).first()
    assert action == "exchange_import_refused" and json.loads(detail)["code"] == error.code


def child(record: dict, **changes) -> dict:
    """The adult's record made a child's, derived fields as the codebook derives them."""
    out = {**record, "birth_date": CHILD_BIRTH, **changes}
    age = date.today().year - 2016 - (date.today() < date(date.today().year, 1, 15))
    out.update(minor=True, age_years=age, age_band=None, sex_age_group="girl")
    from intake_app.codebook.derive import derive_demographics

    out["age_band"] = derive_demographics(load_codebook("1.0"), out).get("age_band")
    return {k: v for k, v in out.items() if v is not None}


# --- finding 1: the basis is the one this server's own decision reaches ---------------------------------
def test_a_record_sent_under_its_consent_is_imported(pair):
    cr, pa = pair
    fields, record = minimized(person(1))
    assert incoming.import_package(pa.engine, pa.keystore, referral(cr, pa, record, "consent", fields),
                                   actor="operator").cases == 1


def _without_consent(record: dict, status: str, basis: str | None) -> dict:
    out = {k: v for k, v in record.items() if k not in ("consent_by", "consent_purposes", "consent_recipients")}
    out["consent_status"] = status
    if basis:
        out["legal_basis"] = basis
    else:
        out.pop("legal_basis", None)
    return out


@pytest.mark.parametrize("case", ["refused_legal_obligation", "recipients_not_covered", "purposes_not_covered",
                                  "consent_without_consent_fields", "not_possible_vital_interest",
                                  "child_refused_best_interest", "unknown_basis"])
def test_a_basis_the_decision_does_not_reach_is_refused(pair, case):
    cr, pa = pair
    fields, record = minimized(person(2))
    basis = "consent"
    if case == "refused_legal_obligation":
        record, basis = _without_consent(record, "refused", "legal_obligation"), "legal_obligation"
    elif case == "recipients_not_covered":
        record["consent_recipients"] = ["services"]
    elif case == "purposes_not_covered":
        record["consent_purposes"] = ["reporting"]
    elif case == "consent_without_consent_fields":
        record = {k: v for k, v in record.items() if not k.startswith("consent_")}
    elif case == "not_possible_vital_interest":
        record, basis = _without_consent(record, "not_possible", None), "vital_interest"
    elif case == "child_refused_best_interest":
        record = child(_without_consent(record, "refused", "best_interest_child"))
        basis = "best_interest_child"
    else:
        basis = "Canaria.Ficticia"
    refused(pa, referral(cr, pa, record, basis, fields), "basis:not_allowed")


def test_a_child_consenting_alone_is_refused(pair):
    cr, pa = pair
    fields, record = minimized(person(3))
    refused(pa, referral(cr, pa, child(record, consent_by="self"), "consent", fields),
            "consent_by:choice_not_allowed_here")


# --- finding 8: no profile, derived values contradicted ---------------------------------------------------
def test_a_purpose_without_a_profile_stores_not_even_an_empty_record(pair):
    cr, pa = pair
    refused(pa, referral(cr, pa, {}, "consent", [], purpose="prosecution"), "purpose:no_profile")


def test_a_derived_value_the_answers_contradict_is_refused(pair):
    cr, pa = pair
    fields, record = minimized(person(4))
    record.update(birth_date=CHILD_BIRTH, minor=False, consent_by="guardian")  # a child, said to be an adult
    refused(pa, referral(cr, pa, record, "consent", fields), "minor:derived_mismatch")


# --- finding 4: aggregate tables as the dashboard writes them ---------------------------------------------
AGG = {"period": "2025-Q1", "from": "2025-Q1", "to": "2025-Q1", "k": 11, "quarters": [
    {"quarter": "2025-Q1", "too_few": False, "persons": 12, "views": {"sex": [
        {"id": "sex", "title": "Personas", "row_header": "Grupo", "columns": ["Total"], "note": "",
         "rows": [{"code": "woman", "label": "Mujeres", "cells": ["12"], "total": False},
                  {"code": "girl", "label": "Niñas", "cells": ["<11"], "total": False},
                  {"code": "__total__", "label": "Total", "cells": ["x"], "total": True}]}]}}]}


def aggregate(cr, pa, tables: dict, purpose="reporting", fields=()) -> bytes:
    return seal(cr, pa, {"tables": tables}, kind="aggregate", purpose=purpose, fields=fields, cases=0)


def test_the_dashboards_tables_are_imported(pair):
    cr, pa = pair
    assert incoming.import_package(pa.engine, pa.keystore, aggregate(cr, pa, AGG), actor="operator").kind \
        == "aggregate"


@pytest.mark.parametrize("case, problem", [("k", "k:not_the_threshold"), ("cell", "cells:not_suppressed"),
                                           ("persons", "persons:below_threshold"),
                                           ("purpose", "purpose:not_reporting"), ("fields", "fields:not_empty"),
                                           ("label", None)])
def test_tables_that_are_not_the_dashboards_are_refused(pair, case, problem):
    cr, pa = pair
    tables, purpose, fields = copy.deepcopy(AGG), "reporting", ()
    rows = tables["quarters"][0]["views"]["sex"][0]["rows"]
    if case == "k":
        tables["k"] = 1
    elif case == "cell":
        rows[1]["cells"] = ["1"]
    elif case == "persons":
        tables["quarters"][0]["persons"] = 3
    elif case == "purpose":
        purpose = "services"
    elif case == "fields":
        fields = ["given_names"]
    else:  # a person's details where a row's code and label go
        rows[0].update(code="Canaria Ficticia", label="Canaria Ficticia DEMO, pasaporte DEMO-777 " * 10)
    refused(pa, aggregate(cr, pa, tables, purpose, fields), problem,
            PackageMalformed if problem is None else PackageInvalidContent)


def test_an_aggregate_between_servers_the_registry_does_not_let_exchange_them_is_refused(make):
    cr, snm = make("cr", "cr_eri"), make("snm", "pa_snm")  # the SNM receives referrals only
    snm.trust(cr)
    data = seal(cr, snm, {"tables": AGG}, kind="aggregate", purpose="reporting", cases=0, recipient="pa_snm")
    refused(snm, data, "kind:not_allowed")


# --- the pages: an unknown basis is never worded as consent ------------------------------------------------
def test_an_unknown_basis_is_not_shown_as_consent(pair):
    from .test_page_words import client_of

    cr, pa = pair
    fields, record = minimized(person(5))
    incoming.import_package(pa.engine, pa.keystore, referral(cr, pa, record, "consent", fields), actor="operator")
    with pa.engine.begin() as conn:  # as one stored before this check existed
        conn.execute(text("UPDATE exchange_received_cases SET basis = 'otra_cosa'"))
        rid = conn.execute(text("SELECT id FROM exchange_received_cases")).scalar_one()
    uno = client_of(pa)
    for path, words in (("/exchange/received", "Base desconocida"), (f"/exchange/received/{rid}", "Base desconocida"),
                        (f"/exchange/received/{rid}?lang=en", "Unknown basis")):
        page = uno.get(path).text
        assert words in page and "Consentimiento de la persona" not in page and "The person's consent" not in page
