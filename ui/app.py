"""Entry point of the desktop app (``intake-app``)."""

import sys


def main() -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv)
    label = QLabel("Registro de casos")
    label.show()
    return app.exec()
