"""Save PDF from the print dialog: the folder chosen (perhaps named after a person) stays
nowhere outside the vault, and a folder that does not exist is worded as the CLI words it.

The real "save PDF" dialog is driven offscreen: a zero-delay timer answers it once it is
the active modal window. Test folders are fictional and say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import wait_idle

CANARY = "Zqcanary"


@pytest.fixture
def qt_config(tmp_path, monkeypatch):
    """Qt's user settings (QtProject.conf) and every per-user folder under tmp_path. Qt
    keeps the settings folder it found first for the whole process, so it is set too,
    and put back afterwards."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path))
    before = str(Path(QSettings(QSettings.Scope.UserScope, "QtProject").fileName()).parent)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    assert Path(QSettings(QSettings.Scope.UserScope, "QtProject").fileName()).is_relative_to(tmp_path)
    yield tmp_path / "config"
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, before)


def _answer_save_dialog(folder: Path, name: str, seen: list) -> None:
    """When Qt's save dialog is the active modal window: go to ``folder``, type ``name``, accept."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, answer)  # not shown yet: look again on the next turn of the loop
            return
        seen.append(dialog.testOption(QFileDialog.Option.DontUseNativeDialog))
        dialog.setDirectory(str(folder))
        dialog.selectFile(name)
        dialog.accept()

    QTimer.singleShot(0, answer)


def test_the_save_dialog_leaves_no_trace_of_the_folder(qtbot, qt_config, unlocked, sample, tmp_path):
    from PySide6.QtCore import QSettings

    win = unlocked
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    folder = tmp_path / f"Ficticia-{CANARY}"
    folder.mkdir()
    seen: list = []
    with qtbot.waitSignal(dialog.output_done, timeout=30_000):
        _answer_save_dialog(folder, "resumen.pdf", seen)
        dialog.save_button.click()
    wait_idle(qtbot, win)
    out = folder / "resumen.pdf"
    assert out.read_bytes().startswith(b"%PDF")
    traces = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
              if p.is_file() and p != out and CANARY.encode() in p.read_bytes()]
    assert traces == []
    assert seen == [True]  # Qt's own dialog: the desktop's (GTK, Windows) keeps a recent-files list
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    assert not any(CANARY in str(settings.value(k)) for k in settings.allKeys())


def test_a_file_dialog_keeps_what_was_there_before(qtbot, qt_config):
    """Other Qt programs share QtProject.conf: their entries are left as they were."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from ui.file_dialogs import ask_save_path

    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.setValue("FileDialog/lastVisited", "file:///otro/programa")
    settings.setValue("Other/key", "sin cambios")
    settings.sync()
    folder = qt_config.parent / f"Carpeta-{CANARY}"
    folder.mkdir()
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list = []
    _answer_save_dialog(folder, "x.pdf", seen)
    assert ask_save_path(parent, "Guardar", "PDF (*.pdf)", "x.pdf") == str(folder / "x.pdf")
    assert seen == [True]
    text = (qt_config / "QtProject.conf").read_text(encoding="utf-8")
    assert CANARY not in text and "file:///otro/programa" in text and "sin cambios" in text


def test_a_folder_that_does_not_exist_is_worded(qtbot, unlocked, sample, tmp_path):
    from intake_app import i18n

    win = unlocked
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    out = tmp_path / "no-existe" / "resumen.pdf"
    with qtbot.waitSignal(dialog.refused, timeout=30_000) as failed:
        dialog.save_to(str(out))
    wait_idle(qtbot, win)
    text = failed.args[0]
    assert text == i18n.t("print.cli.out_unwritable", "es", path=str(out))
    assert text.startswith(f"No se puede escribir el PDF en {out}: la carpeta no existe o no permite escribir.")
    assert dialog.message.text() == text and ".part" not in text
    # the preview stays: the officer picks another folder and saves
    assert dialog.save_button.isEnabled() and dialog.pdf_pages
    good = tmp_path / "resumen.pdf"
    with qtbot.waitSignal(dialog.output_done, timeout=30_000):
        dialog.save_to(str(good))
    assert good.read_bytes().startswith(b"%PDF")


def test_the_stick_folder_dialog_leaves_no_trace_either(qtbot, qt_config):
    """The sync dialog and the first-run wizard ask for a USB stick's folder the same way."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

    from ui.file_dialogs import ask_folder

    folder = qt_config.parent / f"Memoria-{CANARY}"
    folder.mkdir()
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list = []

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog.testOption(QFileDialog.Option.DontUseNativeDialog))
        dialog.setDirectory(str(folder))
        dialog.accept()

    QTimer.singleShot(0, answer)
    assert ask_folder(parent, "Memoria USB") == str(folder)
    assert seen == [True]
    traces = [p for p in qt_config.parent.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert traces == []
