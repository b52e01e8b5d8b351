"""Qt's own file dialog («Guardar PDF…», the USB folder) speaks the app's words, in Spanish
and English: Qt's catalog left "Look in:" and "Files of type:" in English in the Spanish app,
and said "fichero" and "Folder" where the region says "archivo" and "carpeta"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QFileInfo, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QLabel, QPushButton, QWidget

from intake_app import i18n
from ui.file_dialogs import ask_folder, ask_save_path
from ui.text import set_language


@pytest.fixture(params=["es", "en"])
def lang(request, qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # Qt's file-dialog settings: put back, but not in the real home
    before = i18n.language()
    set_language(request.param)
    yield request.param
    set_language(before)


def _seen(qtbot, ask, folder) -> dict:
    """Open the dialog through ``ask``; once shown, what it says; then Cancel."""
    seen: dict = {}

    def look() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        if not shown:
            QTimer.singleShot(10, look)
            return
        dialog = shown[0]
        seen["labels"] = {label.text() for label in dialog.findChildren(QLabel) if label.isVisible()}
        seen["buttons"] = {b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()}
        seen["types"] = [c.itemText(i) for c in dialog.findChildren(QComboBox, "fileTypeCombo") for i in range(c.count())]
        provider = dialog.iconProvider()
        seen["kinds"] = (provider.type(QFileInfo(str(folder))), provider.type(QFileInfo(str(folder / "resumen.pdf"))))
        dialog.reject()

    QTimer.singleShot(0, look)
    assert ask() is None
    return seen


def test_the_save_dialog_says_the_apps_words(qtbot, lang, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    (tmp_path / "resumen.pdf").write_bytes(b"%PDF")
    seen = _seen(qtbot, lambda: ask_save_path(parent, "t", "PDF (*.pdf)", "FICT-0000-0001.pdf"), tmp_path)
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    assert {t("ui.filedlg.look_in"), t("ui.filedlg.file_name"), t("ui.filedlg.file_type")} <= seen["labels"]
    assert {t("ui.filedlg.save"), t("ui.filedlg.cancel")} <= seen["buttons"]
    assert seen["kinds"] == (t("ui.filedlg.folder"), i18n.t("ui.filedlg.file_kind", lang, kind="PDF"))
    if lang == "es":
        words = " ".join(seen["labels"] | seen["buttons"] | set(seen["kinds"])).lower()
        assert not [w for w in ("look in", "files of type", "fichero", "folder") if w in words]


def test_the_folder_dialog_says_the_apps_words(qtbot, lang, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen = _seen(qtbot, lambda: ask_folder(parent, "t"), tmp_path)
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    assert {t("ui.filedlg.look_in"), t("ui.filedlg.folder_name")} <= seen["labels"]
    assert {t("ui.filedlg.choose"), t("ui.filedlg.cancel")} <= seen["buttons"]
    assert seen["types"] == [t("ui.filedlg.folders")]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_dialogs_access_keys_do_not_clash(lang):
    """Two labels with the same Alt+letter make Qt move between them instead of pressing the
    button («&Nombre del archivo» and «Ca&ncelar» were both Alt+N)."""
    import json
    import re
    from pathlib import Path

    catalog = json.loads((Path(__file__).resolve().parents[2] / "resources" / "i18n" / f"ui.{lang}.json")
                         .read_text(encoding="utf-8"))
    texts = [v for k, v in catalog.items() if k.startswith("ui.filedlg.")]
    letters = [m.group(1).lower() for m in (re.search(r"&(\w)", t) for t in texts) if m]
    assert len(letters) == len(set(letters)), texts
