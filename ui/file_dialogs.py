"""File dialogs that leave nothing behind: Qt's own dialog (the desktop's GTK or Windows
dialog keeps a list of recent files and folders), and Qt's history of it put back as it
was (a folder may be named after a person). Every file dialog of the app goes through here;
a Qt dialog that opens one of its own (the print dialog's "Print to file" browse button)
runs inside :func:`inner_file_dialogs_forgotten`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QFileInfo, QSettings, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QFileIconProvider, QWidget

from .text import tr


QT_DIALOG_GROUP = "FileDialog"  # where QFileDialog keeps its history and last folder


class _Kinds(QFileIconProvider):
    """The «Tipo» column in the app's words: "Carpeta", "Archivo PDF" (Qt's own catalog says
    "Folder" in Spanish, and "fichero", which is not the region's word)."""

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return tr("ui.filedlg.folder")
        suffix = info.suffix()
        return tr("ui.filedlg.file_kind", kind=suffix.upper()) if suffix else tr("ui.filedlg.file")


def word(dialog: QFileDialog, accept_key: str, name_key: str) -> _Kinds:
    """Label Qt's own file dialog from the app's catalogs, in the app's language: Qt's catalog
    left "Look in:" and "Files of type:" in English and says "fichero". The icon provider
    returned must live as long as the dialog."""
    labels = ((QFileDialog.DialogLabel.LookIn, "ui.filedlg.look_in"), (QFileDialog.DialogLabel.FileName, name_key),
              (QFileDialog.DialogLabel.FileType, "ui.filedlg.file_type"),
              (QFileDialog.DialogLabel.Accept, accept_key), (QFileDialog.DialogLabel.Reject, "ui.filedlg.cancel"))
    for label, key in labels:
        dialog.setLabelText(label, tr(key))
    kinds = _Kinds()
    dialog.setIconProvider(kinds)
    return kinds


@contextmanager
def file_dialogs_forgotten() -> Iterator[None]:
    """Put Qt's file-dialog settings back as they were before the block. A QFileDialog, when
    it is deleted, writes its history and last folder (a folder may be named after a
    person) to Qt's own settings, shared by every Qt program: ``QtProject.conf`` in the
    user's config folder, the registry on Windows. Nothing turns that off, so whatever
    the block's dialogs wrote goes; other programs' entries stay."""
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    existed = os.path.isfile(settings.fileName())
    settings.beginGroup(QT_DIALOG_GROUP)
    before = {key: settings.value(key) for key in settings.allKeys()}
    del settings
    try:
        yield
    finally:
        settings = QSettings(QSettings.Scope.UserScope, "QtProject")
        settings.remove(QT_DIALOG_GROUP)
        for key, value in before.items():
            settings.setValue(f"{QT_DIALOG_GROUP}/{key}", value)
        settings.sync()
        if not existed and not settings.allKeys() and os.path.isfile(settings.fileName()):
            os.remove(settings.fileName())


@contextmanager
def inner_file_dialogs_forgotten() -> Iterator[None]:
    """For a Qt dialog that opens a file dialog of its own, out of the app's reach (Qt's
    print dialog: "Print to file", then "…"): Qt's own file dialog there too, not the
    desktop's (``AA_DontUseNativeDialogs`` for the block; the print dialogs of Windows and
    macOS are the system's anyway), and its settings put back by :func:`file_dialogs_forgotten`."""
    attribute = Qt.ApplicationAttribute.AA_DontUseNativeDialogs
    before = QCoreApplication.testAttribute(attribute)
    QCoreApplication.setAttribute(attribute, True)
    try:
        with file_dialogs_forgotten():
            yield
    finally:
        QCoreApplication.setAttribute(attribute, before)


def ask_save_path(parent: QWidget, title: str, name_filter: str, suggested: str) -> str | None:
    """The path the officer chose in a "save as" dialog, or None. Qt's own dialog, not the
    desktop's (GTK's and Windows' keep a list of recent files and folders), deleted before
    returning, inside :func:`file_dialogs_forgotten`: nothing of it stays on disk."""
    import shiboken6

    with file_dialogs_forgotten():
        dialog = QFileDialog(parent, title)
        try:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setNameFilter(name_filter)
            dialog.setDefaultSuffix("pdf")
            kinds = word(dialog, "ui.filedlg.save", "ui.filedlg.file_name")  # noqa: F841 (lives with the dialog)
            dialog.selectFile(suggested)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            files = dialog.selectedFiles()
        finally:
            shiboken6.delete(dialog)  # Qt writes its settings now, inside the block
    return files[0] if accepted and files else None


def ask_folder(parent: QWidget, title: str) -> str | None:
    """A folder the officer chose (a USB stick), or None; as :func:`ask_save_path`."""
    import shiboken6

    with file_dialogs_forgotten():
        dialog = QFileDialog(parent, title)
        try:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly)
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            kinds = word(dialog, "ui.filedlg.choose", "ui.filedlg.folder_name")  # noqa: F841 (lives with the dialog)
            types = dialog.findChild(QComboBox, "fileTypeCombo")  # Qt's one entry here: "Directorios"
            if types is not None and types.count() == 1:
                types.setItemText(0, tr("ui.filedlg.folders"))
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            files = dialog.selectedFiles()
        finally:
            shiboken6.delete(dialog)
    return files[0] if accepted and files else None
