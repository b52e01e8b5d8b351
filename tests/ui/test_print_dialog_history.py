"""Qt's print dialog has a file dialog of its own: "Print to file", then the "…" beside the
output file. Qt runs that one itself, inside ``QPrintDialog.exec()``; it must leave no trace
of the folder chosen (perhaps named after a person) in Qt's settings (QtProject.conf),
which other Qt programs share, and be Qt's own dialog, not the desktop's (GTK's keeps a
list of recent folders). The real dialogs are driven offscreen; folders are fictional."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QToolButton

from tests.ui.test_print_save import CANARY, qt_config  # noqa: F401 (a fixture)
from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import wait_idle


def _browse_then_cancel(folder, seen: dict) -> None:
    """Once the print dialog is the active modal window: "…", choose a file in ``folder``
    in the file dialog Qt opens, then cancel the print dialog."""
    from PySide6.QtPrintSupport import QPrintDialog

    def in_print_dialog():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            QTimer.singleShot(10, in_print_dialog)
            return
        browse = [b for b in dialog.findChildren(QToolButton) if b.objectName() == "fileBrowser"]
        seen["browse"] = len(browse)
        QTimer.singleShot(0, lambda: in_file_dialog(dialog))
        browse[0].click()  # Qt's own nested exec() of a QFileDialog

    def in_file_dialog(print_dialog):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, lambda: in_file_dialog(print_dialog))
            return
        seen["qt_dialog"] = QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
        dialog.setDirectory(str(folder))
        dialog.selectFile(str(folder / "resumen.pdf"))
        dialog.accept()
        QTimer.singleShot(0, lambda: finish(print_dialog))

    def finish(print_dialog):
        seen["output"] = print_dialog.findChild(QLineEdit, "filename").text()
        print_dialog.reject()

    QTimer.singleShot(0, in_print_dialog)


def test_print_to_file_leaves_no_trace_of_the_folder(qtbot, qt_config, unlocked, sample):  # noqa: F811
    win = unlocked
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    settings.setValue("FileDialog/lastVisited", "file:///otro/programa")  # another Qt program's
    settings.sync()
    del settings
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    folder = qt_config.parent / f"Ficticia-{CANARY}"
    folder.mkdir()
    seen: dict = {}
    _browse_then_cancel(folder, seen)
    dialog.print_button.click()  # returns when the print dialog is cancelled
    wait_idle(qtbot, win)
    assert seen.get("browse") == 1 and CANARY in seen.get("output", "")  # the folder really was chosen
    text = (qt_config / "QtProject.conf").read_text(encoding="utf-8")
    assert CANARY not in text and "file:///otro/programa" in text
    traces = [p for p in qt_config.parent.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert traces == []
    assert seen["qt_dialog"] is True  # Qt's own file dialog, not the desktop's
    assert not QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)  # put back
