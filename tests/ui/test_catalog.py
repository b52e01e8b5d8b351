"""Every text the desktop app shows comes from the one catalog, in Spanish and English."""

from __future__ import annotations

import re
from pathlib import Path

from intake_app import i18n
from ui import caselist

UI = Path(__file__).resolve().parents[2] / "ui"
LITERAL = re.compile(r"""\btr\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']""")


def test_every_literal_key_exists_in_both_languages():
    es, en = i18n.catalog("es"), i18n.catalog("en")
    missing = []
    for path in UI.rglob("*.py"):
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            if not key.endswith((".", "_")) and (key not in es or key not in en):
                missing.append(f"{path.name}: {key}")
    assert missing == []


def test_dynamic_keys_exist():
    keys = [f"ui.filter.{f or 'all'}" for f in caselist.FILTERS]
    keys += [f"ui.review.{r}" for r in ("review", "conflict")]
    keys += [f"ui.strength.{s}" for s in ("weak", "fair", "good")]
    keys += list(caselist.HEADERS.values()) + [k for _, k in caselist.FLAG_KEYS]
    keys += ["audit.duplicate_link", "audit.duplicate_dismiss"]
    keys += [f"ui.sync.lease_{s}" for s in ("expiring", "expired")]
    keys += [f"ui.sync.state_{s}" for s in ("offline", "syncing", "online")]
    keys += [f"ui.lease.{s}" for s in ("ok", "expiring", "expired")]
    for lang in ("es", "en"):
        assert [k for k in keys if k not in i18n.catalog(lang)] == []


def test_qt_standard_dialogs_speak_spanish(qapp):
    from PySide6.QtCore import QCoreApplication

    from ui.text import install_qt_translations

    install_qt_translations("es")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancelar"
    install_qt_translations("en")
