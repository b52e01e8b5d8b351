"""A released codebook keeps its validation meaning forever.

The server validates every stored revision against the codebook version the revision names,
and laptops and the server may run different installs: a released file whose fields, codes,
conditions, rules or sharing profiles changed in place would make the same revision valid on
one install and invalid (or shared differently) on another. What may be corrected in place is
what only a person reads or an export names: labels, help texts, referral suggestions
(``suggest_if``, shown on the laptop only) and HTCDS mappings. Anything else goes into a copy,
``codebook-<next>.yaml`` (docs/codebook.md, "Versioned").
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import yaml

from intake_app.codebook import load_codebook, parse_codebook
from intake_app.codebook.model import Codebook, Field
from intake_app.codebook.sharing import SharingProfile, parse_profiles, sharing_policy
from intake_app.paths import resource

# sha256 of the canonical projection of codebook 1.0 as released. Never update it to make
# this test pass: copy the file to codebook-1.1.yaml and change the copy instead.
RELEASED = {
    "1.0": "2fb3585c514e3645a138694cdb243b29d25c55384e67e8a7a92f02ffee64c870",
}
# term attributes a person reads or only an export/suggestion uses (everything else is meaning)
NOT_MEANING = {"suggest_if"}


def _field(f: Field) -> dict[str, Any]:
    return {"key": f.key, "type": f.type, "vocabulary": f.vocabulary, "required": f.required,
            "show_if": f.show_if, "rules": f.validation, "sensitivity": f.sensitivity,
            "derived": f.derived, "fields": [_field(s) for s in f.subfields]}


def _profile(p: SharingProfile) -> dict[str, Any]:
    return {"recipient": p.recipient, "institution": p.institution, "purpose": p.purpose,
            "classes": sorted(p.classes), "allow": sorted(p.allow), "deny": sorted(p.deny),
            "refuse_if": p.refuse_if,
            "without_consent": [{"legal_basis": r.legal_basis, "institutions": sorted(r.institutions),
                                 "when": r.when, "also_when_refused": r.also_when_refused}
                                for r in p.without_consent]}


def projection(cb: Codebook, profiles: list[SharingProfile], raw: dict) -> dict[str, Any]:
    """What a revision's validity and sharing depend on: no labels, help, suggest_if or HTCDS names."""
    vocabs: dict[str, Any] = {}
    for key, vocab in cb.vocabularies.items():
        declared = (raw.get("vocabularies") or {}).get(key)
        if isinstance(declared, dict) and "source" in declared:
            vocabs[key] = {"source": declared["source"]}  # e.g. ISO 3166-1 from pycountry, not its list
            continue
        vocabs[key] = [{"code": t.code, **{k: v for k, v in t.attrs.items() if k not in NOT_MEANING}}
                       for t in vocab.terms]
    return {
        "codebook": cb.id, "version": cb.version,
        "fields": sorted((_field(f) for f in cb.fields.values()), key=lambda d: d["key"]),
        "derived": sorted((_field(f) for f in cb.derived), key=lambda d: d["key"]),
        "vocabularies": vocabs,
        "sharing_profiles": sorted((_profile(p) for p in profiles),
                                   key=lambda d: (d["recipient"], d["institution"] or "", d["purpose"])),
    }


def meaning_digest(cb: Codebook, profiles: list[SharingProfile], raw: dict) -> str:
    text = json.dumps(projection(cb, profiles, raw), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _raw(version: str) -> dict:
    return yaml.safe_load(resource("codebook", f"codebook-{version}.yaml").read_bytes())


def _digest_of_doc(doc: dict) -> str:
    cb = parse_codebook(doc)
    return meaning_digest(cb, parse_profiles(cb, doc.get("sharing_profiles")), doc)


def test_released_codebooks_keep_their_validation_meaning():
    for version, pinned in RELEASED.items():
        cb = load_codebook(version)
        got = meaning_digest(cb, list(sharing_policy(cb).profiles), _raw(version))
        assert got == pinned, (
            f"codebook {version} is released: its validation meaning (field keys, types, vocabulary codes, "
            "required, show_if, validation rules, allowed_if, sensitivity, derived fields, sharing profiles) "
            "must not change in place, because the server validates stored revisions against the version they "
            "name and laptops and the server may run different installs. Copy it to the next version "
            "(codebook-1.1.yaml) and change the copy. Only labels, help texts, suggest_if and htcds mappings "
            "may be corrected in place (list them under 'Corrections to 1.0' in docs/codebook.md).")


def test_the_pin_ignores_wording_suggestions_and_htcds_but_not_meaning():
    doc = _raw("1.0")
    base = _digest_of_doc(doc)
    wording = copy.deepcopy(doc)
    wording["vocabularies"]["institutions"][1]["es"] = "Otra etiqueta"
    wording["vocabularies"]["institutions"][1]["suggest_if"] = {"field": "minor", "equals": False}
    wording["vocabularies"]["genders"]["values"][0]["htcds"] = "Otro"
    wording["sections"][0]["fields"][0]["htcds"] = {"field": "cas_Otro"}
    wording["sections"][0]["fields"][0]["help_es"] = "Otra ayuda."
    assert _digest_of_doc(wording) == base
    for change in (
        lambda d: d["vocabularies"]["genders"]["values"][0].update(code="mujer"),
        lambda d: d["sections"][0]["fields"][0].update(required=False),
        lambda d: d["sections"][0]["fields"][0]["validation"].update(not_before="2001-01-01"),
        lambda d: d["sections"][1]["fields"][2].update(show_if={"field": "consent_status", "equals": "refused"}),
        lambda d: d["vocabularies"]["border_posts"][0].update(country="PA"),
        lambda d: d["sharing_profiles"][0]["deny"].append("phone"),
        lambda d: d["derived"][0].update(sensitivity="sensitive"),
    ):
        changed = copy.deepcopy(doc)
        change(changed)
        assert _digest_of_doc(changed) != base
