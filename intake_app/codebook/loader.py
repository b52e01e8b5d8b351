"""Load and check a codebook file. A malformed codebook fails here, naming the field
(or vocabulary) and the problem, before any form, PDF or bundle uses it."""

from __future__ import annotations

import gettext
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import CodebookError, UnknownCodebookVersion
from ..paths import resource
from . import conditions
from .model import FIELD_TYPES, SENSITIVITIES, Codebook, Field, Section, Term, Vocabulary

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
VALIDATION_RULES = {"max_length", "pattern", "min", "max", "not_future", "not_before", "max_items", "allowed_if"}
FILE_RE = re.compile(r"^codebook-(\d+\.\d+)\.yaml$")


def available_versions() -> list[str]:
    versions = []
    for p in resource("codebook").iterdir():
        m = FILE_RE.match(p.name)
        if m:
            versions.append(m.group(1))
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


@cache
def load_codebook(version: str | None = None) -> Codebook:
    """The codebook of ``version`` (default: the newest shipped). ``load_codebook()`` and
    ``load_codebook("1.0")`` are the same object: the file is read and checked once."""
    return _load_version(version or available_versions()[-1])


@cache
def _load_version(version: str) -> Codebook:
    raw, doc = _shipped(version)
    cb = parse_codebook(doc, hashlib.sha256(raw).hexdigest())
    if cb.version != version:
        raise CodebookError(field="version", problem="version_does_not_match_file_name")
    return cb


@cache
def _shipped(version: str) -> tuple[bytes, Any]:
    """The bytes and the parsed YAML of a shipped codebook, read once per process."""
    path = resource("codebook", f"codebook-{version}.yaml")
    if not path.exists():
        raise UnknownCodebookVersion(version=version)
    raw = path.read_bytes()
    return raw, _parse_yaml(raw)


def shipped_section(version: str, name: str) -> Any:
    """A top-level section of a shipped codebook file that the codebook itself does not hold
    (``sharing_profiles``), from the same single reading. Read it, never change it."""
    doc = _shipped(version)[1]
    return doc.get(name) if isinstance(doc, dict) else None


def load_codebook_file(path: Path) -> Codebook:
    raw = path.read_bytes()
    return parse_codebook(_parse_yaml(raw), hashlib.sha256(raw).hexdigest())


# libyaml's parser when PyYAML has it (about ten times faster on the codebook; the same result)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(raw: bytes) -> Any:
    try:
        return yaml.load(raw, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError(field=f"line {mark.line + 1}" if mark else "?", problem="yaml_syntax") from None


def _fail(where: str, problem: str) -> CodebookError:
    return CodebookError(field=where, problem=problem)


def _countries() -> Vocabulary:
    import pycountry

    es = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True)
    terms = []
    for c in pycountry.countries:
        # the name people use, in both languages: "Venezuela", not "Venezuela, República Bolivariana de"
        common = getattr(c, "common_name", None) or c.name
        terms.append(Term(code=c.alpha_2, es=es.gettext(common), en=common, htcds=c.alpha_2))
    terms.sort(key=lambda t: t.es)
    return Vocabulary(key="countries", terms=tuple(terms), htcds="ISO 3166-1 alpha-2")


def _terms(key: str, raw: Any) -> Vocabulary:
    htcds = None
    if isinstance(raw, dict) and "source" in raw:
        if raw["source"] == "iso3166_1":
            return _countries()
        raise _fail(f"vocabularies.{key}", "unknown_source")
    if isinstance(raw, dict):
        htcds = raw.get("htcds")
        raw = raw.get("values")
    if not isinstance(raw, list) or not raw:
        raise _fail(f"vocabularies.{key}", "needs_a_list_of_values")
    terms, seen = [], set()
    for i, t in enumerate(raw):
        where = f"vocabularies.{key}[{i}]"
        if not isinstance(t, dict):
            raise _fail(where, "value_not_a_mapping")
        code = t.get("code")
        if not isinstance(code, str) or not code:
            raise _fail(where, "code_must_be_a_string")  # e.g. unquoted yes/no read as booleans
        if code in seen:
            raise _fail(f"vocabularies.{key}.{code}", "duplicate_code")
        seen.add(code)
        for lang in ("es", "en"):
            if not isinstance(t.get(lang), str) or not t[lang].strip():
                raise _fail(f"vocabularies.{key}.{code}", f"missing_label_{lang}")
        if htcds and "htcds" not in t:  # a value forgotten; `htcds: null` says "no HTCDS value" on purpose
            raise _fail(f"vocabularies.{key}.{code}", "missing_htcds_value")
        if t.get("htcds") is not None and (not isinstance(t["htcds"], str) or not t["htcds"].strip()):
            raise _fail(f"vocabularies.{key}.{code}", "bad_htcds_value")
        attrs = {k: v for k, v in t.items() if k not in ("code", "es", "en", "htcds")}
        if "suggest_if" in attrs:
            for p in conditions.problems(attrs["suggest_if"]):
                raise _fail(f"vocabularies.{key}.{code}.suggest_if", p)
        terms.append(Term(code=code, es=t["es"], en=t["en"], htcds=t.get("htcds"), attrs=attrs))
    return Vocabulary(key=key, terms=tuple(terms), htcds=htcds)


def _field(raw: Any, section: str, vocabs: dict[str, Vocabulary], derived: bool = False, prefix: str = "") -> Field:
    if not isinstance(raw, dict):
        raise _fail(f"{section}.?", "field_not_a_mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise _fail(f"{section}.{key}", "bad_key")
    where = prefix + key
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise _fail(where, "unknown_type")
    for lang in ("es", "en"):
        if not isinstance(raw.get(lang), str) or not raw[lang].strip():
            raise _fail(where, f"missing_label_{lang}")
    if raw.get("sensitivity") not in SENSITIVITIES:
        raise _fail(where, "missing_or_unknown_sensitivity")
    vocab = raw.get("vocabulary")
    if ftype in ("choice", "multi"):
        if vocab not in vocabs:
            raise _fail(where, "unknown_vocabulary")
    elif vocab is not None:
        raise _fail(where, "vocabulary_on_a_field_without_choices")
    validation = raw.get("validation") or {}
    if not isinstance(validation, dict):
        raise _fail(where, "validation_not_a_mapping")
    for rule, arg in validation.items():
        if rule not in VALIDATION_RULES:
            raise _fail(where, f"unknown_validation_rule_{rule}")
        if rule == "pattern":
            try:
                re.compile(arg)
            except re.error:
                raise _fail(where, "bad_pattern") from None
        if rule == "allowed_if":
            for code, cond in (arg or {}).items():
                if code not in vocabs.get(vocab, Vocabulary("", ())):
                    raise _fail(where, "allowed_if_unknown_code")
                for p in conditions.problems(cond):
                    raise _fail(where, p)
    for cond_key in ("show_if",):
        if raw.get(cond_key) is not None:
            for p in conditions.problems(raw[cond_key]):
                raise _fail(f"{where}.{cond_key}", p)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        for p in conditions.problems(required):
            raise _fail(f"{where}.required", p)
    htcds = raw.get("htcds")
    if htcds is not None and not (isinstance(htcds, dict) and isinstance(htcds.get("field"), str)):
        raise _fail(where, "htcds_needs_a_field_name")
    subfields: tuple[Field, ...] = ()
    if ftype == "repeat":
        subs = raw.get("fields")
        if not isinstance(subs, list) or not subs:
            raise _fail(where, "repeat_needs_fields")
        subfields = tuple(_field(s, section, vocabs, prefix=f"{key}.") for s in subs)
    known = {"key", "type", "es", "en", "help_es", "help_en", "sensitivity", "vocabulary", "required",
             "show_if", "validation", "htcds", "search", "fields"}
    extra = set(raw) - known
    if extra:
        raise _fail(where, f"unknown_attribute_{sorted(extra)[0]}")
    return Field(
        key=key, type=ftype, es=raw["es"], en=raw["en"], section=section,
        sensitivity=raw["sensitivity"], help_es=raw.get("help_es", ""), help_en=raw.get("help_en", ""),
        vocabulary=vocab, required=required, show_if=raw.get("show_if"), validation=validation,
        htcds=htcds, search=bool(raw.get("search", False)), derived=derived, subfields=subfields,
    )


def parse_codebook(doc: Any, digest: str = "") -> Codebook:
    if not isinstance(doc, dict):
        raise _fail("codebook", "not_a_mapping")
    for top in ("codebook", "version", "title", "vocabularies", "sections"):
        if top not in doc:
            raise _fail(top, "missing")
    if not isinstance(doc["version"], str):
        raise _fail("version", "must_be_a_quoted_string")
    vocabs: dict[str, Vocabulary] = {}
    for key, raw in (doc["vocabularies"] or {}).items():
        vocabs[key] = _terms(key, raw)
    for key, raw in (doc.get("derived_vocabularies") or {}).items():
        vocabs[key] = _terms(key, raw)
    sections, keys = [], set()
    for i, s in enumerate(doc["sections"]):
        skey = s.get("key") if isinstance(s, dict) else None
        if not isinstance(skey, str) or not KEY_RE.match(skey):
            raise _fail(f"sections[{i}]", "bad_key")
        for lang in ("es", "en"):
            if not isinstance(s.get(lang), str):
                raise _fail(skey, f"missing_label_{lang}")
        fields = []
        for raw in s.get("fields") or []:
            f = _field(raw, skey, vocabs)
            if f.key in keys:
                raise _fail(f.key, "duplicate_key")
            keys.add(f.key)
            fields.append(f)
        if not fields:
            raise _fail(skey, "section_without_fields")
        sections.append(Section(key=skey, es=s["es"], en=s["en"], fields=tuple(fields)))
    derived = []
    for raw in doc.get("derived") or []:
        f = _field(raw, "derived", vocabs, derived=True)
        if f.key in keys:
            raise _fail(f.key, "duplicate_key")
        keys.add(f.key)
        derived.append(f)
    # every condition names a known field
    for s in sections:
        for f in s.fields:
            conds = [f.show_if, f.required if isinstance(f.required, dict) else None]
            conds += list((f.validation.get("allowed_if") or {}).values())
            for c in conds:
                for ref in conditions.referenced_fields(c):
                    if ref not in keys:
                        raise _fail(f"{f.key}.show_if", f"unknown_field_{ref}")
    for v in vocabs.values():
        for term in v.terms:
            for ref in conditions.referenced_fields(term.attrs.get("suggest_if")):
                if ref not in keys:
                    raise _fail(f"vocabularies.{v.key}.{term.code}.suggest_if", f"unknown_field_{ref}")
    return Codebook(
        id=doc["codebook"], version=doc["version"], title=doc["title"], sections=tuple(sections),
        derived=tuple(derived), vocabularies=vocabs, digest=digest,
    )
