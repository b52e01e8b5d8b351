"""One calm look: large type, soft colours, control outlines and focus at 3:1 or more (WCAG 1.4.11)."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from intake_app.paths import resource

BASE_POINT_SIZE = 11
# headings as a share of the body text (17 pt and 13 pt at 11 pt), so a larger font makes them larger too
HEADING_SCALE = {"heading": 17 / BASE_POINT_SIZE, "subheading": 13 / BASE_POINT_SIZE}

SHEET = """
QWidget { color: #1f2933; }
QMainWindow, QDialog, QWizard { background: #f6f7f9; }
QLabel#heading { font-weight: 600; color: #102a43; }
QLabel#subheading { font-weight: 600; color: #243b53; }
QLabel#muted, QLabel.help { color: #52606d; }
QLabel#error, QLabel[role="error"] { color: #a61b1b; font-weight: 600; }
QLabel#ok { color: #1d6b3a; font-weight: 600; }
QLabel#banner { background: #fff4d6; border: 1px solid #e8c66a; border-radius: 6px; padding: 8px; }
QLabel#demo { background: #ffe3e3; color: #8a1c1c; border-radius: 4px; padding: 2px 8px; font-weight: 700; }
QFrame#card { background: white; border: 1px solid #d9e2ec; border-radius: 8px; }
QFrame#flag { background: #fff8e6; border-left: 4px solid #d69e2e; border-radius: 4px; }
QFrame#flag[urgent="true"] { background: #fdecec; border-left: 4px solid #c53030; }
QPushButton { padding: 6px 14px; border-radius: 6px; border: 1px solid #7089a3; background: white; }
QPushButton:hover { background: #eef2f7; }
QPushButton:focus { border: 2px solid #1a4f8a; padding: 5px 13px; }
QPushButton:disabled { color: #9aa5b1; border-color: #d9e2ec; }
QPushButton#primary { background: #2b6cb0; color: white; border: 1px solid #2b6cb0; font-weight: 600; }
QPushButton#primary:hover { background: #2c5282; }
QPushButton#primary:disabled { background: #a3bfdc; border-color: #a3bfdc; }
QPushButton#primary:focus { background: #1e4e85; border: 3px solid #0b1f33; padding: 4px 12px; }
QCheckBox, QRadioButton { border: 2px solid transparent; border-radius: 4px; padding: 1px 4px; }
QCheckBox:focus, QRadioButton:focus { border: 2px solid #1a4f8a; background: #e8f0fa; }
QListWidget:focus, QTableView:focus, QTextBrowser:focus, QListView:focus { border: 2px solid #1a4f8a; }
QTabBar::tab:focus { border: 2px solid #1a4f8a; border-radius: 4px; }
QLineEdit, QPlainTextEdit, QComboBox, QSpinBox { padding: 4px 6px; border: 1px solid #7089a3;
    border-radius: 5px; background: white; min-height: 24px; }
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QSpinBox:focus { border: 2px solid #2b6cb0; }
QLineEdit[invalid="true"], QComboBox[invalid="true"], QPlainTextEdit[invalid="true"] { border: 2px solid #c53030; }
QLineEdit:disabled, QPlainTextEdit:disabled, QComboBox:disabled, QSpinBox:disabled { color: #616e7c;
    background: #eef1f4; border-color: #d9e2ec; }
QComboBox::down-arrow:disabled, QSpinBox::up-arrow:disabled, QSpinBox::down-arrow:disabled { image: none; }
QCheckBox:disabled, QRadioButton:disabled { color: #616e7c; }
QListWidget#steps { background: white; border: 1px solid #d9e2ec; border-radius: 8px; padding: 4px; }
QListWidget#steps:focus { border: 2px solid #1a4f8a; padding: 3px; }
QListWidget#steps::item { padding: 8px 6px; }
QListWidget#steps::item:selected { background: #dbeafe; color: #102a43; }
QTableView { background: white; gridline-color: #e4e7eb; selection-background-color: #dbeafe;
    selection-color: #102a43; }
QHeaderView::section { background: #eef2f7; padding: 6px; border: none; border-bottom: 1px solid #d9e2ec;
    font-weight: 600; }
QStatusBar { background: #e9eef5; }
QTabWidget::pane { border: 1px solid #d9e2ec; background: white; border-radius: 6px; }
QTabBar::tab { padding: 8px 16px; }
QCheckBox, QRadioButton { spacing: 8px; }
QCheckBox::indicator, QRadioButton::indicator { width: 1em; height: 1em; }
QComboBox::drop-down { subcontrol-origin: padding; subcontrol-position: center right; width: 22px; border: none; }
QComboBox::down-arrow { image: url(ICONS/chevron-down.svg); width: 12px; height: 12px; }
QSpinBox { padding-right: 24px; }
QSpinBox::up-button, QSpinBox::down-button { subcontrol-origin: border; width: 22px; border: none;
    background: transparent; }
QSpinBox::up-button { subcontrol-position: top right; }
QSpinBox::down-button { subcontrol-position: bottom right; }
QSpinBox::up-arrow { image: url(ICONS/chevron-up.svg); width: 11px; height: 11px; }
QSpinBox::down-arrow { image: url(ICONS/chevron-down.svg); width: 11px; height: 11px; }
"""


_FOLLOWED: list[QApplication] = []


def _base() -> str:
    icons = resource("icons").as_posix()  # the list and spin box arrows (the sheet replaces the native ones)
    return SHEET.replace("ICONS/", icons + "/")


def sheet(font: QFont) -> str:
    """The style sheet for an app whose body text is ``font``: the headings are sized from it."""
    size = font.pointSizeF() if font.pointSizeF() > 0 else BASE_POINT_SIZE
    return _base() + "".join(f"QLabel#{name} {{ font-size: {round(size * scale * 2) / 2:g}pt; }}\n"
                             for name, scale in HEADING_SCALE.items())


def apply(app: QApplication) -> None:
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyle("Fusion")
    app.setStyleSheet(sheet(font))
    if app not in _FOLLOWED:  # connected once per app, however many times the look is applied
        _FOLLOWED.append(app)
        app.fontChanged.connect(_follow_font)


def _follow_font(font: QFont) -> None:
    """The app's font changed (a larger one for an officer who needs it): the headings
    follow, as long as the app still wears this look."""
    app = QApplication.instance()
    if app is not None and app.styleSheet().startswith(_base()) and app.styleSheet() != sheet(font):
        app.setStyleSheet(sheet(font))
