"""What the window does and shows at launch, before the wizard or the unlock page:
the page with a busy bar, and the worker jobs that read the codebook, the preferences
and the officers in the keyring."""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import prefs as prefs_mod
from .text import tr
from .widgets import busy_bar, heading, muted


class StartPage(QWidget):
    """The app's name and «Abriendo…» while the startup job runs; its error if it fails."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = heading(tr("ui.app.title"))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.text = muted(tr("ui.app.opening"))
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.text)
        bar = busy_bar()
        bar.show()
        bar.setMaximumWidth(300)
        layout.addWidget(bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def fail(self, text: str) -> None:
        self.text.setText(text)
        self.text.setObjectName("error")

    def retitle(self) -> None:
        """Reworded in the current language (an error shown stays as it was said)."""
        self.title.setText(tr("ui.app.title"))
        if self.text.objectName() != "error":
            self.text.setText(tr("ui.app.opening"))


def startup_job(demo: dict | None):
    """Worker job at launch: the codebook, preferences, and whether a vault exists."""
    def job(s):
        from intake_app.codebook import load_codebook
        from intake_app.vault.store import officer_names, vault_exists

        cb = load_codebook()
        prefs = prefs_mod.load(s.home)
        if demo is not None:
            from intake_app.demo import fictional_intakes

            from intake_app.sync.state import K_DEMO

            s.create(demo["officer"], demo["passphrase"])
            with s.vault.transaction():
                s.vault.set_meta(K_DEMO, "1")  # never enrolled: its fictional cases would count as real
            s.vault.save_cases_bulk(fictional_intakes(demo["cases"], 2026, cb))
            return cb, prefs, [demo["officer"]], True
        exists = vault_exists(s.home)
        return cb, prefs, officer_names(s.home) if exists else [], False
    return job


def officer_names_job(s) -> list[str]:
    """Worker job: the login names in the keyring, as they are now."""
    from intake_app.vault.store import officer_names

    return officer_names(s.home)


def printing_available() -> bool:
    """Printing is an extra: the workspace offers it only when its packages are installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("intake_app.printing", "pypdfium2"))
