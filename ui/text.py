"""Words on screen come from the project's one catalog (``intake_app.i18n``).

``tr`` is ``t`` in the app's current language; ``install_qt_translations`` loads
Qt's own catalog so standard dialogs (file chooser, print dialog, buttons) speak
the same language.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from intake_app import i18n

_translators: list[QTranslator] = []


def tr(key: str, **params) -> str:
    return i18n.t(key, **params)


def lang() -> str:
    return i18n.language()


def error_text(err: BaseException) -> str:
    return i18n.describe_error(err)


def set_language(code: str) -> None:
    i18n.set_language(code)
    install_qt_translations(code)


def install_qt_translations(code: str) -> None:
    app = QApplication.instance()
    if app is None:
        return
    for old in _translators:  # each call's catalog replaces the last: the old one is destroyed
        app.removeTranslator(old)
        old.deleteLater()
    _translators.clear()
    QLocale.setDefault(QLocale(QLocale.Language.Spanish if code == "es" else QLocale.Language.English))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(f"qtbase_{code}", folder):
        app.installTranslator(translator)
        _translators.append(translator)
    else:  # no catalog for this language: none kept
        translator.deleteLater()
