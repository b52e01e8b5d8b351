"""One catalog mechanism: every key used exists in Spanish and English with the same
placeholders; every core error has its message."""

from __future__ import annotations

import json
import re
from pathlib import Path

from intake_app import errors, i18n

ROOT = Path(__file__).resolve().parent.parent
# a literal key: t("area.key") or t("area.key", ...); keys built by concatenation are checked
# where their parts are enumerated (errors, rules, ...)
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']\s*[,)]""")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_languages_have_the_same_keys_and_placeholders():
    for es_file in i18n.catalog_files("es"):
        en_file = Path(str(es_file).replace(".es.json", ".en.json")) if es_file.name != "es.json" \
            else es_file.with_name("en.json")
        es, en = (json.loads(p.read_text(encoding="utf-8")) for p in (es_file, en_file))
        assert set(es) == set(en), es_file.name
        for key in es:
            assert i18n.placeholders(es[key]) == i18n.placeholders(en[key]), key
            assert es[key].strip() and en[key].strip(), key


def test_every_key_used_in_code_exists():
    es, en = i18n.catalog("es"), i18n.catalog("en")
    missing = []
    for path in list((ROOT / "intake_app").rglob("*.py")) + list((ROOT / "ui").rglob("*.py")):
        for key in KEY_CALL.findall(path.read_text(encoding="utf-8")):
            if key not in es or key not in en:
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_every_core_error_has_a_message():
    es = i18n.catalog("es")
    codes = {cls.code for cls in _subclasses(errors.IntakeError)}
    assert sorted(c for c in codes if f"error.{c}" not in es) == []


def test_every_validation_rule_has_a_message():
    src = (ROOT / "intake_app" / "codebook" / "validate.py").read_text(encoding="utf-8")
    rules = set(re.findall(r'FieldProblem\([^,]+,\s*"([a-z_]+)"', src))
    es = i18n.catalog("es")
    assert rules and sorted(r for r in rules if f"rule.{r}" not in es) == []


def test_spanish_is_the_default():
    assert i18n.DEFAULT_LANGUAGE == "es"
    assert i18n.t("value.yes", "es") == "Sí"
