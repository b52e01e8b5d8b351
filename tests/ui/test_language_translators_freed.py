"""Changing the language again and again keeps one Qt catalog, not one per change: the
translator it replaces (or one whose catalog is missing) is destroyed, not left as a
child of the application with its catalog mapped."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QTranslator

from ui.text import install_qt_translations, lang


def _translators(app) -> int:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return len(app.findChildren(QTranslator))


def test_twenty_language_changes_keep_at_most_one_translator(qapp):
    before = _translators(qapp)
    try:
        for n in range(20):
            install_qt_translations("es" if n % 2 == 0 else "en")
        assert _translators(qapp) <= before + 1
        for _ in range(5):
            install_qt_translations("xx")  # no such catalog: nothing kept
        assert _translators(qapp) <= before
    finally:
        install_qt_translations(lang())  # as the rest of the suite had it
        _translators(qapp)
