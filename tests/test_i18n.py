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


# keys where Spanish inflects a count that English leaves alone (an adjective or participle:
# "{n} {n:nuevo|nuevos}" / "{n} new"): (key -> those params); every other plural is in both
SPANISH_ONLY_PLURALS = {
    "exchange.imported": {"withdrawn"},
    "server.device_audit_missing": {"count"},
    "server.import_totals": {"accepted", "already", "refused"},
    "sync_cli.exported": {"new"},
    "sync_cli.receipts": {"already", "refused"},
    "sync_cli.status_cases": {"pending", "sent", "delivered"},
    "ui.syncdlg.receipts_done": {"delivered", "already", "refused"},
}
# "caso(s)", "revisión(es)", "nueva(s)": a plural dodged instead of worded
PLURAL_DODGE = re.compile(r"\w\((?:s|es)\)")


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
            es_plurals, en_plurals = i18n.plurals(es[key]), i18n.plurals(en[key])
            assert set(es_plurals) - set(en_plurals) == SPANISH_ONLY_PLURALS.get(key, set()), key
            assert set(en_plurals) <= set(es_plurals), key
            for forms in [f for found in (es_plurals, en_plurals) for fs in found.values() for f in fs]:
                assert len(forms) == 2 and all(forms), (key, forms)  # {n:one|other}


def test_plural_forms_follow_the_count():
    for n, es, en in ((0, "0 casos", "0 cases"), (1, "1 caso", "1 case"), (2, "2 casos", "2 cases")):
        assert i18n.t("ui.cases.count", "es", count=n) == es
        assert i18n.t("ui.cases.count", "en", count=n) == en
    assert i18n.t("ui.cases.count", "es", count="1") == "1 caso"  # an int-like string counts too
    assert i18n.t("ui.cases.count", "en", count="1.234") == "1.234 cases"  # anything else: the other form
    assert i18n.t("dashboard.days.value", "es", days="1.5") == "1.5\u00a0días"  # no-break space: unit stays with its number


def test_a_message_with_two_counts_words_each():
    assert i18n.t("ui.syncdlg.exported", "es", bundles=1, revisions=3) == "1 lote en la memoria, con 3 revisiones."
    assert i18n.t("ui.syncdlg.exported", "en", bundles=2, revisions=1) == "2 bundles on the stick, with 1 revision."
    assert i18n.t("sync_cli.receipts", "es", delivered=1, revisions=1, already=0, refused=2) == \
        "1 recibo aceptado (1 revisión entregada), 0 ya conocidos, 2 rechazados."


def test_a_missing_count_stays_visible():
    assert i18n.t("ui.cases.count", "es") == "{count} casos"


def test_no_text_dodges_a_plural():
    dodges = [(path.name, key) for lang in i18n.LANGUAGES for path in i18n.catalog_files(lang)
              for key, text in json.loads(path.read_text(encoding="utf-8")).items() if PLURAL_DODGE.search(text)]
    assert dodges == []


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
